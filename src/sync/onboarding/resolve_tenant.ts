import { M365dError } from '../../lib/errors.js'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export class TenantResolveError extends M365dError {}

/**
 * A tenant GUID as is; a domain (`contoso.onmicrosoft.com`) resolved to its GUID through the
 * authority's OpenID discovery document `/{domain}/v2.0/.well-known/openid-configuration`, whose
 * issuer is `{authority}/{tenant-guid}/v2.0` (entra-app-only.md §5.2). An unknown domain answers
 * 400 AADSTS90002.
 */
export async function resolveTenantId(tenant: string, o: { authorityHost: string; fetch?: typeof fetch; signal?: AbortSignal }): Promise<{ tenantId: string; domain?: string }> {
  if (GUID.test(tenant)) return { tenantId: tenant.toLowerCase() }
  const url = `${o.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`
  let res: Response
  try {
    res = await (o.fetch ?? fetch)(url, { ...(o.signal && { signal: o.signal }), headers: { accept: 'application/json' } })
  } catch (cause) {
    throw new TenantResolveError('ERR_TENANT_RESOLVE_NETWORK', `cannot reach ${new URL(url).origin} to resolve ${tenant}`, {
      hint: 'check the network or M365D_AUTHORITY_HOST; or pass the tenant id (GUID) instead of the domain',
      cause,
    })
  }
  const body = (await res.json().catch(() => undefined)) as { issuer?: unknown; error_codes?: unknown; error_description?: unknown } | undefined
  if (!res.ok) {
    throw new TenantResolveError('ERR_TENANT_UNKNOWN', `the identity platform does not know the tenant ${tenant} (HTTP ${res.status})`, {
      hint: "check the spelling; use the customer's tenant id (GUID) or a verified domain such as contoso.onmicrosoft.com",
    })
  }
  const issuer = typeof body?.issuer === 'string' ? body.issuer : ''
  const id = issuer.split('/').find((part) => GUID.test(part))
  if (!id) throw new TenantResolveError('ERR_TENANT_RESOLVE_INVALID', `the discovery document for ${tenant} has no tenant id in its issuer`, { hint: 'pass the tenant id (GUID) instead' })
  return { tenantId: id.toLowerCase(), domain: tenant.toLowerCase() }
}
