import type { EmulatorContext } from '../context.js'
import type { Handler, Router } from '../router.js'
import { metadataResponse, preflightResponse, resolveAuthorityTenant, v1Document, v2Document } from './discovery_documents.js'
import { instanceDiscovery } from './instance_discovery.js'
import { v1Jwks, v2Jwks } from './jwks.js'

/**
 * OpenID discovery (v1, v2), JWKS (v1, v2) and instance discovery (entra-app-only.md §5, §7, §9).
 * Paths are case-insensitive like the real service (MSAL lower-cases authorities).
 */
export function registerDiscoveryRoutes(router: Router<EmulatorContext>): void {
  const add = (pattern: string, handler: Handler<EmulatorContext>) => {
    router.add('GET', pattern, handler, { group: 'discovery', caseInsensitive: true })
    router.add('OPTIONS', pattern, () => preflightResponse(), { group: 'discovery', caseInsensitive: true })
  }

  add('/common/discovery/instance', (req, url, _p, ctx) => instanceDiscovery(req, url, ctx))

  add('/:tenant/v2.0/.well-known/openid-configuration', (req, url, p, ctx) =>
    metadataResponse(v2Document(url.origin, resolveAuthorityTenant(p.tenant!, req, url, ctx), url.searchParams.get('appid'))),
  )
  add('/:tenant/.well-known/openid-configuration', (req, url, p, ctx) =>
    metadataResponse(v1Document(url.origin, resolveAuthorityTenant(p.tenant!, req, url, ctx), url.searchParams.get('appid'))),
  )
  add('/:tenant/discovery/v2.0/keys', (req, url, p, ctx) =>
    metadataResponse(v2Jwks(ctx.keys.published(), url.origin, resolveAuthorityTenant(p.tenant!, req, url, ctx))),
  )
  add('/:tenant/discovery/keys', (req, url, p, ctx) => {
    resolveAuthorityTenant(p.tenant!, req, url, ctx)
    return metadataResponse(v1Jwks(ctx.keys.published()))
  })
}
