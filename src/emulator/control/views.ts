import type { EmulatorConfig } from '../config.js'
import type { Directory } from '../state/directory.js'
import { builtInResources } from '../state/resources.js'
import type { AppRegistration, Tenant } from '../state/types.js'
import { iso } from './http.js'

/**
 * JSON views of directory objects for the control API. They follow the seed-config shape
 * (config.ts) so `GET /_emulator/config` can be saved and fed back, except that secrets are shown
 * as hints only: the directory stores salted hashes, never the values.
 */
export function tenantView(t: Tenant) {
  return { id: t.id, displayName: t.displayName, domains: [...t.domains] }
}

function resourceUri(directory: Directory, resourceAppId: string): string {
  return directory.resources.get(resourceAppId)?.identifierUris[0] ?? resourceAppId
}

export function appView(directory: Directory, app: AppRegistration) {
  return {
    appId: app.appId,
    displayName: app.displayName,
    homeTenant: app.homeTenantId,
    signInAudience: app.signInAudience,
    enabled: app.enabled,
    redirectUris: [...app.redirectUris],
    requiredResourceAccess: app.requiredResourceAccess.map((r) => ({ resource: resourceUri(directory, r.resourceAppId), resourceAppId: r.resourceAppId, roles: [...r.roles] })),
    secrets: app.secrets.map((s) => ({ keyId: s.keyId, displayName: s.displayName, hint: s.hint, startsAt: iso(s.startsAt), expiresAt: iso(s.expiresAt) })),
    certificates: app.certificates.map((c) => ({
      keyId: c.keyId,
      displayName: c.displayName,
      thumbprint: c.thumbprintSha1,
      thumbprintSha256: c.thumbprintSha256,
      startsAt: iso(c.startsAt),
      expiresAt: iso(c.expiresAt),
      certificatePem: c.certificatePem,
    })),
  }
}

/** Consent state of one app in one tenant: its service principal and the roles granted per resource. */
export function grantView(directory: Directory, tenantId: string, appId: string) {
  const sp = directory.servicePrincipal(tenantId, appId)
  if (!sp) return undefined
  const consent: { resource: string; roles: string[] }[] = []
  for (const resource of directory.resources.values()) {
    const roles = directory.rolesFor(sp.tenantId, sp.appId, resource.appId)
    if (roles.length) consent.push({ resource: resource.identifierUris[0] ?? resource.appId, roles })
  }
  return { tenant: sp.tenantId, app: sp.appId, servicePrincipalId: sp.objectId, consent }
}

/** The whole directory and settings in seed-config shape. */
export function configView(directory: Directory, config: EmulatorConfig) {
  const builtIn = new Set(builtInResources().map((r) => r.appId))
  const resources = [...directory.resources.values()].filter((r) => !builtIn.has(r.appId))
  return {
    tenants: [...directory.tenants.values()].map(tenantView),
    ...(resources.length > 0 && {
      resources: resources.map((r) => ({
        appId: r.appId,
        displayName: r.displayName,
        identifierUris: [...r.identifierUris],
        accessTokenAcceptedVersion: r.accessTokenAcceptedVersion,
        appRoles: r.appRoles.map((role) => ({ id: role.id, value: role.value, displayName: role.displayName })),
      })),
    }),
    apps: [...directory.apps.values()].map((a) => appView(directory, a)),
    grants: [...directory.servicePrincipals.values()].map((sp) => grantView(directory, sp.tenantId, sp.appId)!),
    ...(config.tokenLifetimeSeconds !== undefined && { tokenLifetimeSeconds: config.tokenLifetimeSeconds }),
    ...(config.tokenRateLimit !== undefined && { tokenRateLimit: config.tokenRateLimit }),
  }
}
