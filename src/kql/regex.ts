/**
 * Kusto's regular expressions: the RE2 dialect ("KQL regular expression syntax",
 * https://learn.microsoft.com/kusto/query/re2), matched by `re2js`, a pure-JS port of RE2 whose
 * matching time is linear in the input. A backtracking pattern such as `(a+)+$` therefore cannot
 * stall a query (issue 10 §1), and RE2-only syntax (`(?i)` mid-pattern, `(?P<name>…)`, `\A`, `\z`,
 * `(?U)`) means what it means in Kusto; JS-only syntax (backreferences, lookaround) is refused.
 */
import { RE2JS } from 're2js'

/** A compiled Kusto regex (stateless: safe to share between rows and queries). */
export interface KustoRegex {
  /** The pattern as written. */
  readonly source: string
  test(s: string): boolean
  /** The first match: index 0 is the whole match, then the groups (undefined when a group did not take part). */
  exec(s: string): readonly (string | undefined)[] | null
  /** Every non-overlapping match, each as from `exec`. */
  all(s: string): (string | undefined)[][]
  /** Number of non-overlapping matches. */
  count(s: string): number
  /** Replaces every match by `rewrite`, where `\0` is the whole match and `\1`…`\9` its groups (Kusto replace_regex). */
  replace(s: string, rewrite: string): string
}

/** `s` as a literal RE2 pattern. */
export const quoteRegex = (s: string): string => RE2JS.quote(s)

/** The pattern is not valid RE2; `message` is RE2's own reason. */
export class RegexSyntaxError extends Error {}

const cache = new Map<string, KustoRegex>()

/**
 * Compiles a Kusto regex. `flags` are Kusto's regex flags (`i` case-insensitive, `m` multi-line,
 * `s` dot matches \n, `U` ungreedy — the `flags=` of `parse kind=regex`), applied as RE2's inline
 * flag group, which is exactly how RE2 defines them. Throws RegexSyntaxError.
 */
export function kustoRegex(pattern: string, flags = ''): KustoRegex {
  const key = `${flags}/${pattern}`
  let re = cache.get(key)
  if (re === undefined) {
    re = compile(pattern, flags)
    if (cache.size >= 1000) cache.clear()
    cache.set(key, re)
  }
  return re
}

function compile(pattern: string, flags: string): KustoRegex {
  const inline = [...new Set(flags.replace(/[^imsU]/g, ''))].join('')
  let re: RE2JS
  try {
    re = RE2JS.compile(inline ? `(?${inline})${pattern}` : pattern)
  } catch (e) {
    // RE2's own wording, e.g. "error parsing regexp: missing closing ): `a(`"
    throw new RegexSyntaxError(e instanceof Error ? e.message : String(e))
  }
  const groups = re.groupCount()
  const exec = (s: string): (string | undefined)[] | null => {
    const m = re.exec(s) as (string | undefined)[] | null
    return m === null ? null : Array.from({ length: groups + 1 }, (_, i) => m[i] ?? undefined)
  }
  return {
    source: pattern,
    test: (s) => re.test(s),
    exec,
    all: (s) => {
      const out: (string | undefined)[][] = []
      const m = re.matcher(s)
      while (m.find()) out.push(row(m, groups))
      return out
    },
    count: (s) => {
      let n = 0
      const m = re.matcher(s)
      while (m.find()) n++
      return n
    },
    replace: (s, rewrite) => {
      const m = re.matcher(s)
      let out = ''
      let last = 0
      while (m.find()) {
        out += s.slice(last, m.start())
        out += rewrite.replace(/\\(\d)/g, (_x, d: string) => (Number(d) <= groups ? m.group(Number(d)) ?? '' : ''))
        last = m.end()
      }
      return out + s.slice(last)
    },
  }
}

function row(m: { group(i: number): string | null }, groups: number): (string | undefined)[] {
  const out = new Array<string | undefined>(groups + 1)
  for (let i = 0; i <= groups; i++) out[i] = m.group(i) ?? undefined
  return out
}
