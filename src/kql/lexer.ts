import { KqlSyntaxError } from './errors.js'

/**
 * KQL tokens. Keywords are not separate kinds: Kusto's keywords are contextual (a column may be
 * called `count` or `type`), so the parser decides from position whether an identifier is one.
 */
export type TokenKind = 'ident' | 'string' | 'long' | 'real' | 'timespan' | 'punct' | 'eof'

export interface Token {
  readonly kind: TokenKind
  /** Identifier name, punctuation text, or the decoded string value. */
  readonly text: string
  /** Numeric value: longs and reals as numbers, timespans in milliseconds. */
  readonly value?: number
  /** `['name']`-style quoted identifier (never a keyword). */
  readonly quoted?: boolean
  readonly start: number
  readonly end: number
  readonly line: number
  readonly column: number
}

/** Operator names Kusto spells with a dash; lexed as one identifier. */
const DASHED = new Set([
  'project-away', 'project-keep', 'project-rename', 'project-reorder', 'mv-expand', 'mv-apply', 'make-series',
  'top-nested', 'top-hitters', 'parse-where', 'parse-kv', 'make-graph', 'graph-match', 'scan-geo',
])

/** Longest punctuation first. */
const PUNCT = ['!contains_cs', '!startswith_cs', '!endswith_cs', '!hasprefix_cs', '!hassuffix_cs', '!has_cs',
  '!contains', '!startswith', '!endswith', '!hasprefix', '!hassuffix', '!between', '!has', '!in~', '!in',
  '==', '!=', '=~', '!~', '<=', '>=', '=>', '..', '<>',
  '|', '<', '>', '+', '-', '*', '/', '%', ',', ';', '(', ')', '[', ']', '{', '}', ':', '=', '.', '!', '?', '@']

/** Timespan suffixes → milliseconds (Kusto "timespan literals" doc). */
const UNITS: Record<string, number> = {
  d: 86400000, day: 86400000, days: 86400000,
  h: 3600000, hr: 3600000, hrs: 3600000, hour: 3600000, hours: 3600000,
  m: 60000, min: 60000, minute: 60000, minutes: 60000,
  s: 1000, sec: 1000, second: 1000, seconds: 1000,
  ms: 1, milli: 1, millis: 1, millisecond: 1, milliseconds: 1,
  microsecond: 0.001, microseconds: 0.001, tick: 0.0001, ticks: 0.0001,
}

const isIdentStart = (c: string): boolean => /[A-Za-z_$]/.test(c)
const isIdentPart = (c: string): boolean => /[A-Za-z0-9_]/.test(c)
const isDigit = (c: string): boolean => c >= '0' && c <= '9'

export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  let line = 1
  let lineStart = 0
  const push = (kind: TokenKind, start: number, tokText: string, extra: { value?: number; quoted?: boolean } = {}): void => {
    tokens.push({ kind, text: tokText, start, end: i, line, column: start - lineStart + 1, ...extra })
  }
  const fail = (msg: string, at: number): never => {
    throw new KqlSyntaxError(msg, text, at)
  }
  /** Reads a quoted string starting at the opening quote; `verbatim` means no backslash escapes. */
  const readQuoted = (verbatim: boolean): string => {
    const q = text[i]!
    const open = i
    i++
    let out = ''
    for (;;) {
      if (i >= text.length) return fail('Unterminated string literal', open)
      const c = text[i]!
      if (c === '\n' && !verbatim) return fail('Unterminated string literal', open)
      if (c === q) {
        if (verbatim && text[i + 1] === q) {
          out += q
          i += 2
          continue
        }
        i++
        return out
      }
      if (c === '\\' && !verbatim) {
        const n = text[i + 1]
        i += 2
        switch (n) {
          case 'n': out += '\n'; break
          case 't': out += '\t'; break
          case 'r': out += '\r'; break
          case '0': out += '\0'; break
          case 'u': {
            out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16))
            i += 4
            break
          }
          case undefined: return fail('Unterminated string literal', open)
          default: out += n
        }
        continue
      }
      if (c === '\n') {
        line++
        lineStart = i + 1
      }
      out += c
      i++
    }
  }

  while (i < text.length) {
    const c = text[i]!
    if (c === '\n') {
      line++
      i++
      lineStart = i
      continue
    }
    // Any Unicode space (queries pasted from web pages carry U+00A0, U+2003, U+200B …)
    if (c === ' ' || c === '\t' || c === '\r' || /[\s\u200b\u200c\u200d\u2060\ufeff]/.test(c)) {
      i++
      continue
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++
      continue
    }
    const start = i
    const startLine = line
    const startCol = start - lineStart + 1
    // Multi-line string literal ```…```
    if (text.startsWith('```', i) || text.startsWith('~~~', i)) {
      const fence = text.slice(i, i + 3)
      const close = text.indexOf(fence, i + 3)
      if (close < 0) fail('Unterminated multi-line string literal', start)
      const body = text.slice(i + 3, close)
      for (const ch of body) if (ch === '\n') line++
      i = close + 3
      tokens.push({ kind: 'string', text: body, start, end: i, line: startLine, column: startCol })
      continue
    }
    // Strings: '…' "…", verbatim @'…', obfuscated h'…' / H@'…'
    if (c === '"' || c === "'") {
      const s = readQuoted(false)
      tokens.push({ kind: 'string', text: s, start, end: i, line: startLine, column: startCol })
      continue
    }
    if (c === '@' && (text[i + 1] === '"' || text[i + 1] === "'")) {
      i++
      const s = readQuoted(true)
      tokens.push({ kind: 'string', text: s, start, end: i, line: startLine, column: startCol })
      continue
    }
    if ((c === 'h' || c === 'H') && (text[i + 1] === '"' || text[i + 1] === "'" || (text[i + 1] === '@' && (text[i + 2] === '"' || text[i + 2] === "'")))) {
      i++
      const verbatim = text[i] === '@'
      if (verbatim) i++
      const s = readQuoted(verbatim)
      tokens.push({ kind: 'string', text: s, start, end: i, line: startLine, column: startCol })
      continue
    }
    // Quoted identifiers ['name'] / ["name"] are recognised by the parser, not here, because `[` also indexes.
    if (isDigit(c) || (c === '.' && isDigit(text[i + 1] ?? ''))) {
      let value: number
      let kind: TokenKind = 'long'
      if (c === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X')) {
        i += 2
        while (/[0-9a-fA-F]/.test(text[i] ?? '')) i++
        value = parseInt(text.slice(start + 2, i), 16)
      } else {
        while (isDigit(text[i] ?? '')) i++
        if (text[i] === '.' && text[i + 1] !== '.') {
          kind = 'real'
          i++
          while (isDigit(text[i] ?? '')) i++
        }
        if ((text[i] === 'e' || text[i] === 'E') && /[0-9]/.test(text[i + 1] === '-' || text[i + 1] === '+' ? text[i + 2] ?? '' : text[i + 1] ?? '')) {
          kind = 'real'
          i += text[i + 1] === '-' || text[i + 1] === '+' ? 2 : 1
          while (isDigit(text[i] ?? '')) i++
        }
        value = Number(text.slice(start, i))
      }
      // Timespan: number immediately followed by a unit (7d, 1.5h, 100ms, 1tick).
      let j = i
      while (j < text.length && /[A-Za-z]/.test(text[j]!)) j++
      const unit = text.slice(i, j).toLowerCase()
      if (j > i && UNITS[unit] !== undefined && !isIdentPart(text[j] ?? '')) {
        i = j
        tokens.push({ kind: 'timespan', text: text.slice(start, i), value: value * UNITS[unit]!, start, end: i, line: startLine, column: startCol })
        continue
      }
      // Kusto accepts identifiers that start with digits (`let 2022Cves = …`).
      if (isIdentPart(text[i] ?? '') && !/^[eE]/.test(text[i] ?? '')) {
        while (i < text.length && isIdentPart(text[i]!)) i++
        push('ident', start, text.slice(start, i))
        continue
      }
      tokens.push({ kind, text: text.slice(start, i), value, start, end: i, line: startLine, column: startCol })
      continue
    }
    if (isIdentStart(c)) {
      i++
      while (i < text.length && isIdentPart(text[i]!)) i++
      let word = text.slice(start, i)
      // project-away, mv-expand, …
      if (text[i] === '-') {
        let j = i + 1
        while (j < text.length && /[a-z]/.test(text[j]!)) j++
        const dashed = `${word}-${text.slice(i + 1, j)}`
        if (DASHED.has(dashed)) {
          word = dashed
          i = j
        }
      }
      // in~ is one operator
      if (word === 'in' && text[i] === '~') {
        i++
        word = 'in~'
        push('punct', start, word)
        continue
      }
      push('ident', start, word)
      continue
    }
    const p = PUNCT.find((op) => text.startsWith(op, i) && !(/^![a-z]/.test(op) && isIdentPart(text[i + op.length] ?? '')))
    if (p === undefined) fail(`Unexpected character '${c}'`, start)
    i += p!.length
    push('punct', start, p!)
  }
  tokens.push({ kind: 'eof', text: '', start: text.length, end: text.length, line, column: text.length - lineStart + 1 })
  return tokens
}
