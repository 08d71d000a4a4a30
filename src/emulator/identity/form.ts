/**
 * Tolerant `application/x-www-form-urlencoded` parsing for the token endpoint.
 *
 * MSAL Node sends some values unencoded (`x-ms-lib-capability=retry-after, h429`,
 * `x-client-current-telemetry=5|771,2,,,|,`) and documented samples put raw `+` and `=` in
 * secrets (entra-app-only.md §1.2, §1.4); the real service answers 200 to all of them. So:
 * split on `&`, split each pair on its first `=`, decode `+` as space and percent escapes, and
 * keep a malformed escape (`%zz`) literally instead of failing. The first occurrence of a name wins.
 */
export interface TokenForm {
  /** Decoded values. */
  values: Map<string, string>
  /** Values exactly as sent (before `+`/percent decoding), for credential tolerance. */
  raw: Map<string, string>
  /** False when the Content-Type is not a form: the service then sees no parameters at all. */
  isForm: boolean
}

export async function readTokenForm(request: Request): Promise<TokenForm> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  const isForm = type === 'application/x-www-form-urlencoded'
  // A JSON (or multipart) body carries no form parameters: the real service answers
  // AADSTS900144 for 'grant_type' (entra-app-only.md §3.3, 900144 row).
  if (!isForm) {
    if (request.body) await request.body.cancel()
    return { values: new Map(), raw: new Map(), isForm }
  }
  return { ...parseForm(await request.text()), isForm }
}

export function parseForm(text: string): { values: Map<string, string>; raw: Map<string, string> } {
  const values = new Map<string, string>()
  const raw = new Map<string, string>()
  for (const pair of text.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const rawName = eq < 0 ? pair : pair.slice(0, eq)
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1)
    const name = decode(rawName).trim()
    if (name === '' || values.has(name)) continue
    values.set(name, decode(rawValue))
    raw.set(name, rawValue)
  }
  return { values, raw }
}

function decode(s: string): string {
  const plus = s.replace(/\+/g, ' ')
  try {
    return decodeURIComponent(plus)
  } catch {
    // Decode the well-formed escapes one by one and keep the rest as sent.
    return plus.replace(/(?:%[0-9a-f]{2})+/gi, (seq) => {
      try {
        return decodeURIComponent(seq)
      } catch {
        return seq
      }
    })
  }
}
