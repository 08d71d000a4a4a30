import { M365dError, redact } from '../lib/errors.js'

/**
 * Errors of the Defender client. Every one keeps what the server said (status, the Defender
 * `error.code`/`message`/`target` or the Graph `innerError` request-id) and a URL with the query
 * string left intact but credentials redacted — URLs never carry tokens here, but user-supplied
 * `$filter` text goes through {@link redact} anyway.
 */

/** The server's own error fields, as parsed from `{"error":{…}}` (defender-api.md §4.1). */
export interface ServerErrorFields {
  /** `error.code`, e.g. `ResourceNotFound`, `"429"`, `Forbidden`. */
  serverCode?: string
  /** `error.message`. */
  serverMessage?: string
  /** Legacy surface: `error.target` — the tracking id of the failed request. */
  target?: string
  /** Graph surface: `error.innerError["request-id"]`. */
  requestId?: string
  /** Graph surface: `error.innerError["client-request-id"]`. */
  clientRequestId?: string
}

export interface HttpErrorContext extends ServerErrorFields {
  status: number
  method: string
  url: string
}

/** A non-2xx answer from the Defender / Graph API that is not retried (or not retryable). */
export class DefenderApiError extends M365dError {
  readonly status: number
  readonly method: string
  readonly url: string
  readonly serverCode: string | undefined
  readonly serverMessage: string | undefined
  readonly target: string | undefined
  readonly requestId: string | undefined
  readonly clientRequestId: string | undefined

  constructor(ctx: HttpErrorContext, options: { hint?: string; cause?: unknown; code?: string } = {}) {
    const what = ctx.serverCode ? `${ctx.serverCode}: ${ctx.serverMessage ?? ''}`.trim() : `HTTP ${ctx.status}`
    super(options.code ?? 'ERR_HTTP_STATUS', `${ctx.method} ${safeUrl(ctx.url)} failed with ${ctx.status} (${redact(what)})`, {
      ...(options.hint !== undefined && { hint: options.hint }),
      ...(options.cause !== undefined && { cause: options.cause }),
    })
    this.status = ctx.status
    this.method = ctx.method
    this.url = safeUrl(ctx.url)
    this.serverCode = ctx.serverCode
    this.serverMessage = ctx.serverMessage === undefined ? undefined : redact(ctx.serverMessage)
    this.target = ctx.target
    this.requestId = ctx.requestId
    this.clientRequestId = ctx.clientRequestId
  }
}

/**
 * 403: the token is valid but lacks the role the call needs. Names that permission and the roles
 * the token actually carries (decoded from its `roles` claim, never the token itself) — the most
 * common Defender setup mistake (peers.md §4.1, §4.4).
 */
export class DefenderForbiddenError extends DefenderApiError {
  readonly requiredPermissions: readonly string[]
  readonly tokenRoles: readonly string[]
  /** The tenant whose consent lacks the permission (an MSSP app gets a 403 per customer tenant). */
  readonly tenant: string | undefined

  constructor(ctx: HttpErrorContext & { requiredPermissions: readonly string[]; tokenRoles: readonly string[]; apiName: string; tenant?: string }) {
    const needed = ctx.requiredPermissions.join(' or ')
    const have = ctx.tokenRoles.length ? ctx.tokenRoles.join(', ') : '(none)'
    const where = ctx.tenant ? `tenant ${ctx.tenant}` : 'this tenant'
    super(ctx, {
      code: 'ERR_HTTP_FORBIDDEN',
      hint: `grant ${needed} (${ctx.apiName}) to the app, then admin-consent again in ${where}; the token's roles: ${have}`,
    })
    this.requiredPermissions = ctx.requiredPermissions
    this.tokenRoles = ctx.tokenRoles
    this.tenant = ctx.tenant
    this.message = `${this.message}: the call needs ${needed}; the token has roles: ${have}`
  }
}

/** Retries ran out. Keeps the last status, body (redacted, capped) and Retry-After. */
export class RetriesExhaustedError extends M365dError {
  readonly attempts: number
  readonly method: string
  readonly url: string
  readonly lastStatus: number | undefined
  readonly lastBody: string | undefined
  /** The last server-requested wait in ms (Retry-After header or "again in N seconds" body text). */
  readonly retryAfterMs: number | undefined

  constructor(ctx: { attempts: number; method: string; url: string; lastStatus?: number; lastBody?: string; retryAfterMs?: number; cause?: unknown; reason?: string }) {
    const last = ctx.lastStatus !== undefined ? `last status ${ctx.lastStatus}` : `last error ${(ctx.cause as { code?: string } | undefined)?.code ?? 'unknown'}`
    super('ERR_HTTP_RETRIES_EXHAUSTED', `${ctx.method} ${safeUrl(ctx.url)} failed after ${ctx.attempts} attempt(s), ${last}${ctx.reason ? ` (${ctx.reason})` : ''}`, {
      hint:
        ctx.lastStatus === 429
          ? 'the API quota is exhausted: wait for the Retry-After time, lower the request rate, or raise retry.maxRetries'
          : ctx.lastStatus === undefined && ctx.cause instanceof M365dError && ctx.cause.hint
            ? ctx.cause.hint // never reached the service (network, timeout): say so, not "the service is failing"
            : 'the service is failing; retry later or raise retry.maxRetries',
      ...(ctx.cause !== undefined && { cause: ctx.cause }),
    })
    this.attempts = ctx.attempts
    this.method = ctx.method
    this.url = safeUrl(ctx.url)
    this.lastStatus = ctx.lastStatus
    this.lastBody = ctx.lastBody === undefined ? undefined : redact(ctx.lastBody.slice(0, 2000))
    this.retryAfterMs = ctx.retryAfterMs
  }
}

/** One attempt took longer than the per-attempt timeout. */
export class DefenderTimeoutError extends M365dError {
  readonly method: string
  readonly url: string
  readonly timeoutMs: number
  constructor(ctx: { method: string; url: string; timeoutMs: number; cause?: unknown }) {
    super('ERR_HTTP_TIMEOUT', `${ctx.method} ${safeUrl(ctx.url)} timed out after ${ctx.timeoutMs} ms`, {
      hint: 'raise the timeout (timeoutMs) or check connectivity to the API host',
      ...(ctx.cause !== undefined && { cause: ctx.cause }),
    })
    this.method = ctx.method
    this.url = safeUrl(ctx.url)
    this.timeoutMs = ctx.timeoutMs
  }
}

/** The connection failed (DNS, refused, reset) before a response arrived. */
export class DefenderNetworkError extends M365dError {
  readonly method: string
  readonly url: string
  constructor(ctx: { method: string; url: string; cause?: unknown }) {
    const code = (ctx.cause as { cause?: { code?: string } } | undefined)?.cause?.code
    super('ERR_HTTP_NETWORK', `${ctx.method} ${safeUrl(ctx.url)}: network error${code ? ` (${code})` : ''}`, {
      hint: 'check the base URL and network connectivity (proxy, DNS, firewall)',
      ...(ctx.cause !== undefined && { cause: ctx.cause }),
    })
    this.method = ctx.method
    this.url = safeUrl(ctx.url)
  }
}

/** A 2xx body that was cut off or is not the JSON it should be. Retryable on idempotent calls. */
export class InvalidBodyError extends M365dError {
  readonly status: number
  readonly url: string
  constructor(ctx: { status: number; url: string; reason: string; cause?: unknown }) {
    super('ERR_HTTP_INVALID_BODY', `${safeUrl(ctx.url)}: ${ctx.reason} (status ${ctx.status})`, ctx.cause !== undefined ? { cause: ctx.cause } : {})
    this.status = ctx.status
    this.url = safeUrl(ctx.url)
  }
}

/** An `@odata.nextLink` pointing at another origin than the API's: refused (SSRF guard, peers.md §1.3). */
export class NextLinkOriginError extends M365dError {
  readonly nextLink: string
  readonly expectedOrigin: string
  constructor(ctx: { nextLink: string; expectedOrigin: string }) {
    let origin = '(unparseable)'
    try {
      origin = new URL(ctx.nextLink).origin
    } catch {
      // keep the placeholder: the link is reported as unparseable
    }
    super('ERR_HTTP_NEXTLINK_ORIGIN', `refusing @odata.nextLink to ${origin}: not the API origin ${ctx.expectedOrigin}`, {
      hint: 'the bearer token is only sent to the configured API origin; check baseUrl or a proxy rewriting links',
    })
    this.nextLink = safeUrl(ctx.nextLink)
    this.expectedOrigin = ctx.expectedOrigin
  }
}

/** URL text for messages: credentials in userinfo dropped, secrets in the query redacted. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    return redact(decodeURIComponentSafe(u.href))
  } catch {
    return redact(url)
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/**
 * Paging made no progress: several full pages in a row held only items this listing had already
 * yielded — the server ignores `$skip` or keeps answering the same nextLink. Stopping silently
 * could lose data; looping would burn the quota forever.
 */
export class PagingStalledError extends M365dError {
  readonly pages: number
  constructor(ctx: { pages: number }) {
    super('ERR_HTTP_PAGING_STALLED', `paging made no progress: ${ctx.pages} pages in a row repeated items already received`, {
      hint: 'the server (or a proxy) ignores $skip or repeats a nextLink; list with a time filter instead (e.g. lastUpdateTime ge …)',
    })
    this.pages = ctx.pages
  }
}
