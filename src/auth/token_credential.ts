import { M365dArgumentError } from '../lib/errors.js'
import type { TokenCredentialLike } from './credentials.js'
import type { TokenProvider } from './token_provider.js'
import { resourceOf } from './token_request.js'

/**
 * The provider as an `@azure/core-auth` TokenCredential, so Azure SDK clients (e.g. the Graph SDK)
 * share its cache, single flight and refresh-ahead. `scopes` must name one resource
 * (`<resource>/.default`); the tenant is `options.tenantId` or the `tenant` given here.
 */
export function toTokenCredential(provider: TokenProvider, defaults: { tenant?: string } = {}): TokenCredentialLike {
  return {
    async getToken(scopes, options) {
      const list = typeof scopes === 'string' ? [scopes] : scopes
      if (list.length !== 1 || !list[0])
        throw new M365dArgumentError(`Expected exactly one '<resource>/.default' scope, got ${JSON.stringify(list)}.`, {
          hint: 'Client credentials request one resource at a time (AADSTS70011 otherwise).',
        })
      const tenant = options?.tenantId ?? defaults.tenant
      if (!tenant) throw new M365dArgumentError('No tenant: pass options.tenantId or a default tenant to toTokenCredential().')
      const t = await provider.getToken({ tenant, resource: resourceOf(list[0]), ...(options?.abortSignal && { signal: options.abortSignal }) })
      return { token: t.token, expiresOnTimestamp: t.expiresAt, refreshAfterTimestamp: t.refreshAt }
    },
  }
}
