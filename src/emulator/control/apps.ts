import { X509Certificate } from 'node:crypto'
import type { EmulatorContext } from '../context.js'
import { json } from '../http_error.js'
import type { Router } from '../router.js'
import { checkRedirectUris, type Directory } from '../state/directory.js'
import type { AppRegistration, RequiredResourceAccess } from '../state/types.js'
import { addControlRoute, controlError, iso, noContent, optionalResourceRoles, optionalString, optionalStringArray, parseTime, readJson } from './http.js'
import { appView } from './views.js'

/**
 * App registrations: `POST|GET /_emulator/apps`, `GET|PATCH /_emulator/apps/{appId}`, client secrets
 * (`POST /apps/{appId}/secrets` returns the value once, like the portal; `DELETE …/secrets/{keyId}`)
 * and certificates (`POST /apps/{appId}/certificates {certificatePem}`, `DELETE …/certificates/{keyId}`).
 */
export function registerAppRoutes(router: Router<EmulatorContext>): void {
  addControlRoute(router, 'POST', '/apps', async (req, _url, _p, ctx) => {
    const body = await readJson(req)
    const homeTenant = optionalString(body, 'homeTenant') ?? optionalString(body, 'homeTenantId')
    if (!homeTenant) throw controlError(400, 'homeTenant (tenant GUID or verified domain) is required')
    const appId = optionalString(body, 'appId')
    const displayName = optionalString(body, 'displayName')
    const signInAudience = audience(body)
    const redirectUris = optionalStringArray(body, 'redirectUris')
    const requiredResourceAccess = optionalResourceRoles(body, 'requiredResourceAccess')
    const secrets = secretInputs(body.secrets, ctx)
    const certificates = certificateInputs(body.certificates)
    const app = ctx.directory.addApp({
      homeTenantId: homeTenant,
      ...(appId !== undefined && { appId }),
      ...(displayName !== undefined && { displayName }),
      ...(signInAudience !== undefined && { signInAudience }),
      ...(typeof body.enabled === 'boolean' && { enabled: body.enabled }),
      ...(redirectUris !== undefined && { redirectUris }),
      ...(requiredResourceAccess !== undefined && { requiredResourceAccess }),
    })
    const created = secrets.map((s) => ctx.directory.addSecret(app.appId, s))
    for (const c of certificates) ctx.directory.addCertificate(app.appId, c)
    const view = appView(ctx.directory, app)
    // Secret values are returned this once, next to their keyId.
    return json({ ...view, secrets: view.secrets.map((s) => ({ ...s, value: created.find((c) => c.keyId === s.keyId)?.value })) }, 201)
  })

  addControlRoute(router, 'GET', '/apps', (_req, _url, _p, ctx) => json({ value: [...ctx.directory.apps.values()].map((a) => appView(ctx.directory, a)) }))
  addControlRoute(router, 'GET', '/apps/:appId', (_req, _url, p, ctx) => json(appView(ctx.directory, requireApp(ctx.directory, p.appId!))))

  addControlRoute(router, 'PATCH', '/apps/:appId', async (req, _url, p, ctx) => {
    const app = requireApp(ctx.directory, p.appId!)
    const body = await readJson(req)
    // Validate everything before changing anything.
    const displayName = optionalString(body, 'displayName')
    const signInAudience = audience(body)
    const redirectUris = optionalStringArray(body, 'redirectUris')
    const rra = optionalResourceRoles(body, 'requiredResourceAccess')
    const requiredResourceAccess = rra && resolveRequired(ctx.directory, rra)
    if (body.enabled !== undefined && typeof body.enabled !== 'boolean') throw controlError(400, 'enabled must be a boolean')
    if (redirectUris !== undefined) checkRedirectUris(redirectUris)
    if (displayName !== undefined) app.displayName = displayName
    if (signInAudience !== undefined) app.signInAudience = signInAudience
    if (redirectUris !== undefined) app.redirectUris = redirectUris
    if (requiredResourceAccess !== undefined) app.requiredResourceAccess = requiredResourceAccess
    if (typeof body.enabled === 'boolean') app.enabled = body.enabled
    return json(appView(ctx.directory, app))
  })

  addControlRoute(router, 'POST', '/apps/:appId/secrets', async (req, _url, p, ctx) => {
    const app = requireApp(ctx.directory, p.appId!)
    const [input] = secretInputs([await readJson(req)], ctx)
    const { value, secret } = ctx.directory.addSecret(app.appId, input!)
    return json(
      { keyId: secret.keyId, displayName: secret.displayName, hint: secret.hint, startsAt: iso(secret.startsAt), expiresAt: iso(secret.expiresAt), value },
      201,
    )
  })
  addControlRoute(router, 'DELETE', '/apps/:appId/secrets/:keyId', (_req, _url, p, ctx) => {
    ctx.directory.removeSecret(p.appId!, p.keyId!)
    return noContent()
  })

  addControlRoute(router, 'POST', '/apps/:appId/certificates', async (req, _url, p, ctx) => {
    const app = requireApp(ctx.directory, p.appId!)
    const [input] = certificateInputs([await readJson(req)])
    const cert = ctx.directory.addCertificate(app.appId, input!)
    return json(appView(ctx.directory, app).certificates.find((c) => c.keyId === cert.keyId), 201)
  })
  addControlRoute(router, 'DELETE', '/apps/:appId/certificates/:keyId', (_req, _url, p, ctx) => {
    ctx.directory.removeCertificate(p.appId!, p.keyId!)
    return noContent()
  })
}

function requireApp(directory: Directory, appId: string): AppRegistration {
  const app = directory.app(appId)
  if (!app) throw controlError(404, `app ${appId} not found`)
  return app
}

function audience(body: Record<string, unknown>): AppRegistration['signInAudience'] | undefined {
  const v = optionalString(body, 'signInAudience')
  if (v !== undefined && v !== 'AzureADMyOrg' && v !== 'AzureADMultipleOrgs') throw controlError(400, 'signInAudience must be AzureADMyOrg or AzureADMultipleOrgs')
  return v
}

/** Same checks as Directory.addApp: known resource, and only application permissions it defines. */
function resolveRequired(directory: Directory, input: { resource: string; roles: string[] }[]): RequiredResourceAccess[] {
  return input.map((r) => {
    const resource = directory.resolveResource(r.resource)
    if (!resource) throw controlError(400, `unknown resource '${r.resource}'`)
    for (const role of r.roles)
      if (!resource.appRoles.some((ar) => ar.value === role)) throw controlError(400, `resource '${resource.displayName}' has no application permission '${role}'`)
    return { resourceAppId: resource.appId, roles: [...r.roles] }
  })
}

type SecretInput = { value?: string; displayName?: string; startsAt: number; expiresAt: number }

/** Validity defaults follow the emulator clock (not the wall clock) so controlled-clock tests work. */
function secretInputs(raw: unknown, ctx: EmulatorContext): SecretInput[] {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw) || raw.some((s) => typeof s !== 'object' || s === null)) throw controlError(400, 'secrets must be an array of objects')
  return (raw as Record<string, unknown>[]).map((s) => {
    const value = optionalString(s, 'value')
    const displayName = optionalString(s, 'displayName')
    const now = ctx.clock.now()
    const startsAt = parseTime(s.startsAt, 'startsAt') ?? now - 60_000
    const expiresAt = parseTime(s.expiresAt, 'expiresAt') ?? now + 730 * 86_400_000
    if (value !== undefined && value.length === 0) throw controlError(400, 'value must not be empty')
    return { startsAt, expiresAt, ...(value !== undefined && { value }), ...(displayName !== undefined && { displayName }) }
  })
}

function certificateInputs(raw: unknown): { certificatePem: string; displayName?: string }[] {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw) || raw.some((c) => typeof c !== 'object' || c === null)) throw controlError(400, 'certificates must be an array of objects')
  return (raw as Record<string, unknown>[]).map((c) => {
    const certificatePem = optionalString(c, 'certificatePem')
    if (!certificatePem) throw controlError(400, 'certificatePem is required')
    // Parsed up front so a bad certificate does not leave a half-created app behind.
    try {
      new X509Certificate(certificatePem)
    } catch {
      throw controlError(400, 'certificatePem is not a PEM X.509 certificate')
    }
    const displayName = optionalString(c, 'displayName')
    return { certificatePem, ...(displayName !== undefined && { displayName }) }
  })
}
