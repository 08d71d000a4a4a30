/**
 * The one base class for every error m365d throws on purpose.
 *
 * Each subclass carries a stable `code` (namespaced `ERR_TOKEN_*`, `ERR_JWT_*`, `ERR_HTTP_*`,
 * `ERR_CONFIG_*`, `ERR_KQL_*`, …) that callers and tests switch on, an optional one-line `hint`
 * telling the user how to fix it, and the original error in `cause`.
 *
 * Messages never contain secrets, client assertions or tokens: build them from claims, ids and
 * server error fields only, and pass user-supplied strings through {@link redact} when in doubt.
 */
export class M365dError extends Error {
  /** Stable machine-readable code, e.g. `ERR_TOKEN_SERVER`. */
  readonly code: string
  /** One line telling the user how to fix the problem, when we know. */
  readonly hint: string | undefined

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.hint = options.hint
  }

  /** A plain object for `--json` output and structured logs (no stack, no cause chain). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message }
    if (this.hint !== undefined) out.hint = this.hint
    for (const [k, v] of Object.entries(this)) {
      if (k === 'code' || k === 'hint' || k === 'cause' || v === undefined) continue
      out[k] = v
    }
    return out
  }
}

/** Invalid argument or option passed to a library function. */
export class M365dArgumentError extends M365dError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('ERR_INVALID_ARGUMENT', message, options)
  }
}

const JWT_LIKE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*/g
const SECRET_PARAMS = /((?:client_secret|client_assertion|access_token|refresh_token|password|flowToken)=)[^&\s]+/gi
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi
const BASIC = /(Basic\s+)[A-Za-z0-9+/=]+/gi

/**
 * Removes anything that looks like a token, a client assertion, a form-encoded secret or an
 * `Authorization` credential from a string, so it can go into a message or a log line.
 */
export function redact(text: string): string {
  return scrubSecrets(
    text
      .replace(JWT_LIKE, '[redacted-jwt]')
      .replace(SECRET_PARAMS, '$1[redacted]')
      .replace(BEARER, '$1[redacted]')
      .replace(BASIC, '$1[redacted]'),
  )
}

/**
 * The secrets this process was configured with (client secret, webhook secret), as given and
 * percent-encoded: a token server that echoes the form body, or a config error quoting a value,
 * must not carry them into a message, a log line, stdout or a stored health detail (issue 10 §6).
 * Programs register them once where the configuration is read; redact() scrubs them everywhere.
 */
const registeredSecrets = new Set<string>()

export function registerSecret(value: string): void {
  // Shorter values would scrub ordinary words; real client secrets are 40 characters.
  if (value.length < 8) return
  registeredSecrets.add(value)
  registeredSecrets.add(encodeURIComponent(value))
  registeredSecrets.add(JSON.stringify(value).slice(1, -1))
}

/** Replaces every registered secret in `text` (and nothing else: tokens printed on purpose stay). */
export function scrubSecrets(text: string): string {
  for (const s of registeredSecrets) if (text.includes(s)) text = text.split(s).join('[redacted]')
  return text
}
