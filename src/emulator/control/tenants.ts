import type { EmulatorContext } from '../context.js'
import { json } from '../http_error.js'
import type { Router } from '../router.js'
import { addControlRoute, controlError, noContent, optionalString, optionalStringArray, readJson } from './http.js'
import { tenantView } from './views.js'

/** `POST|GET /_emulator/tenants`, `GET|DELETE /_emulator/tenants/{tenant}` (GUID or domain). */
export function registerTenantRoutes(router: Router<EmulatorContext>): void {
  addControlRoute(router, 'POST', '/tenants', async (req, _url, _p, ctx) => {
    const body = await readJson(req)
    const id = optionalString(body, 'id')
    const displayName = optionalString(body, 'displayName')
    const domains = optionalStringArray(body, 'domains')
    const tenant = ctx.directory.addTenant({
      ...(id !== undefined && { id }),
      ...(displayName !== undefined && { displayName }),
      ...(domains !== undefined && { domains }),
    })
    return json(tenantView(tenant), 201)
  })
  addControlRoute(router, 'GET', '/tenants', (_req, _url, _p, ctx) => json({ value: [...ctx.directory.tenants.values()].map(tenantView) }))
  addControlRoute(router, 'GET', '/tenants/:tenant', (_req, _url, p, ctx) => {
    const tenant = ctx.directory.resolveTenant(p.tenant!)
    if (!tenant) throw controlError(404, `tenant ${p.tenant} not found`)
    return json(tenantView(tenant))
  })
  addControlRoute(router, 'DELETE', '/tenants/:tenant', (_req, _url, p, ctx) => {
    const tenant = ctx.directory.resolveTenant(p.tenant!)
    if (!tenant) throw controlError(404, `tenant ${p.tenant} not found`)
    ctx.directory.removeTenant(tenant.id)
    return noContent()
  })
}
