import type { EmulatorContext } from '../context.js'
import { json } from '../http_error.js'
import type { Router } from '../router.js'
import type { Tenant } from '../state/types.js'
import { addControlRoute, controlError, noContent, optionalResourceRoles, readJson } from './http.js'
import { grantView } from './views.js'

/**
 * Admin consent without the browser page: `PUT /_emulator/tenants/{tenant}/grants/{appId}`
 * `{consent?: [{resource, roles}]}` consents (creates the service principal) and REPLACES the granted
 * roles (omit `consent` to grant everything the app asks for, like the consent page);
 * `DELETE` revokes consent (removes the service principal and its grants); `GET` lists.
 */
export function registerGrantRoutes(router: Router<EmulatorContext>): void {
  addControlRoute(router, 'GET', '/tenants/:tenant/grants', (_req, _url, p, ctx) => {
    const tenant = requireTenant(ctx, p.tenant!)
    const value = [...ctx.directory.servicePrincipals.values()].filter((sp) => sp.tenantId === tenant.id).map((sp) => grantView(ctx.directory, tenant.id, sp.appId))
    return json({ value })
  })
  addControlRoute(router, 'GET', '/tenants/:tenant/grants/:appId', (_req, _url, p, ctx) => {
    const tenant = requireTenant(ctx, p.tenant!)
    const view = grantView(ctx.directory, tenant.id, p.appId!)
    if (!view) throw controlError(404, `app ${p.appId} has no service principal in tenant ${tenant.id}`)
    return json(view)
  })
  addControlRoute(router, 'PUT', '/tenants/:tenant/grants/:appId', async (req, _url, p, ctx) => {
    const tenant = requireTenant(ctx, p.tenant!)
    const consent = optionalResourceRoles(await readJson(req), 'consent')
    if (!ctx.directory.app(p.appId!)) throw controlError(404, `app ${p.appId} not found`)
    // Validate the new grant before dropping the old one.
    for (const c of consent ?? []) {
      const resource = ctx.directory.resolveResource(c.resource)
      if (!resource) throw controlError(400, `unknown resource '${c.resource}'`)
      for (const role of c.roles)
        if (!resource.appRoles.some((r) => r.value === role)) throw controlError(400, `resource '${resource.displayName}' has no application permission '${role}'`)
    }
    const existed = ctx.directory.servicePrincipal(tenant.id, p.appId!) !== undefined
    if (existed) for (const resource of ctx.directory.resources.values()) ctx.directory.setRoles(tenant.id, p.appId!, resource.appId, [])
    ctx.directory.consent(tenant.id, p.appId!, consent)
    return json(grantView(ctx.directory, tenant.id, p.appId!), existed ? 200 : 201)
  })
  addControlRoute(router, 'DELETE', '/tenants/:tenant/grants/:appId', (_req, _url, p, ctx) => {
    ctx.directory.revokeConsent(requireTenant(ctx, p.tenant!).id, p.appId!)
    return noContent()
  })
}

function requireTenant(ctx: EmulatorContext, segment: string): Tenant {
  const tenant = ctx.directory.resolveTenant(segment)
  if (!tenant) throw controlError(404, `tenant ${segment} not found`)
  return tenant
}
