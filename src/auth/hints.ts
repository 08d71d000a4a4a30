import { legacyConsentLink } from './consent_link.js'

/**
 * One-line fixes for the AADSTS codes a daemon actually meets (entra-app-only.md §3.3). The server's
 * own text says what went wrong; the hint says what to do. Nothing here may echo a credential.
 */
export function hintForAadsts(code: number, ctx: { tenant?: string; clientId?: string; authorityHost?: string }): string | undefined {
  const tenant = ctx.tenant ? `'${ctx.tenant}'` : 'the tenant'
  const app = ctx.clientId ? `'${ctx.clientId}'` : 'the application (client) id'
  switch (code) {
    case 700016: {
      // The link names the tenant that refused, so its admin consents in that directory (issue 2 §3).
      const link = ctx.clientId
        ? ` ${legacyConsentLink({ clientId: ctx.clientId, ...(ctx.tenant && { tenant: ctx.tenant }), ...(ctx.authorityHost && { authorityHost: ctx.authorityHost }) })}`
        : ''
      return `If ${tenant} is a customer tenant, its admin must first grant consent to app ${app}:${link} — if it is the app's home tenant, check the tenant id and the application (client) id.`
    }
    case 7000215:
      return "Use the client secret's VALUE (shown once when it was created), not its Secret ID; check for quotes or whitespace around it."
    case 7000222:
      return 'The client secret has expired: create a new one under Certificates & secrets (or switch to a certificate credential) and update the configuration.'
    case 7000218:
      return 'No credential reached the server: configure a client secret, a certificate or a client assertion.'
    case 90002:
    case 900023:
      return `Check the tenant id ${tenant} (a directory GUID or a verified domain such as contoso.onmicrosoft.com) and the cloud: GCC High / DoD tenants sign in at https://login.microsoftonline.us (--cloud gcc-high).`
    case 9001023:
    case 90130:
    case 90124:
      return "Client credentials need a specific tenant: use the tenant GUID or domain, not 'common' / 'consumers'."
    case 500011:
    case 70011:
    case 1002012:
    case 901002:
      return 'Request the resource as `<resource>/.default` on the v2 endpoint (e.g. https://api.security.microsoft.com/.default) or `resource=<resource>` on v1; check the resource URI and that the API exists in the tenant.'
    case 700027:
      return "The certificate is not registered on the app or does not match the private key: upload the certificate's public part (.cer/.pem) under Certificates & secrets and check the thumbprint."
    case 700024:
    case 50012:
      return "Check this machine's clock (NTP): client assertions are valid from now for 10 minutes, so clock skew makes them expired or not yet valid."
    case 50048:
      return "The client assertion's `sub` and `iss` must both be the application (client) id."
    case 7000112:
      return `App ${app} is disabled in ${tenant}: an admin must re-enable its enterprise application (service principal).`
    case 50105:
    case 501051:
      return `The API requires role assignment: an admin of ${tenant} must assign app ${app} an application permission (app role) and grant consent.`
    case 90055:
      return 'Token requests are throttled for this tenant: cache tokens (one TokenProvider per process) and back off.'
    default:
      return undefined
  }
}

/** Hint for HTTP 429 from the token endpoint (entra-app-only.md §8.1: "most often … when token caching is not used"). */
export const THROTTLED_HINT = 'Too many token requests for this client: reuse one TokenProvider per process so tokens are cached, and wait for Retry-After.'
