import { findResource, KNOWN_RESOURCES } from './resources.js'
import type { TokenInspection } from './inspect.js'
import type { ValidationCheck } from './validate.js'

/**
 * App-only tokens carry application permissions in `roles` ("Daemon apps / app only permission -
 * validate the role claims instead of the scp claim", CVAL via entra-app-only.md §5.6 step 6).
 * A `*.ReadWrite.All` role satisfies the matching `*.Read.All`: the Defender and Graph security
 * method pages list both as sufficient for reads (defender-api.md §2).
 */
export function checkRoles(inspection: TokenInspection, required: string[], audienceOk = true): { check: ValidationCheck; missingRoles: string[] } {
  const tenant = inspection.tenantId ?? 'this tenant'
  if (!inspection.appOnly) {
    if (required.length === 0) return { check: { id: 'roles', ok: true, skipped: true, message: 'not checked: a user token carries delegated scopes (scp), not roles' }, missingRoles: [] }
    return {
      check: { id: 'roles', ok: false, message: `a user token carries no application roles; needed: ${required.join(', ')}`, fix: 'Request an app-only token with the client credentials grant.' },
      missingRoles: [...required],
    }
  }
  if (inspection.roles.length === 0) {
    const consentUrl = `https://login.microsoftonline.com/${inspection.tenantId ?? '{tenant}'}/adminconsent?client_id=${inspection.clientId ?? '{client-id}'}`
    return {
      check: {
        id: 'roles',
        ok: false,
        message: `the token has no roles claim: admin consent is missing in tenant ${tenant}, or no application permission of this API is granted to the app`,
        fix: `Grant admin consent: Entra admin center → App registrations → your app → API permissions → "Grant admin consent", or have the tenant's admin open ${consentUrl}; then request a new token.`,
      },
      missingRoles: [...required],
    }
  }
  const have = new Set(inspection.roles)
  const missing: string[] = []
  const notes: string[] = []
  for (const role of required) {
    if (have.has(role)) continue
    const readWrite = role.replace(/\.Read\.All$/, '.ReadWrite.All')
    if (readWrite !== role && have.has(readWrite)) notes.push(`${role} is satisfied by ${readWrite}, which includes read`)
    else missing.push(role)
  }
  if (missing.length === 0) {
    const what = required.length ? `has every required role (${required.join(', ')})` : `roles: ${inspection.roles.join(', ')}`
    return { check: { id: 'roles', ok: true, message: [what, ...notes].join('; ') }, missingRoles: [] }
  }
  if (!audienceOk) {
    // Roles are per resource: a token for the wrong API carries that API's roles (peers.md §4 item 2).
    return {
      check: {
        id: 'roles',
        ok: false,
        message: `${missing.join(', ')} not in the token, which is for another API (see audience); its roles (${inspection.roles.join(', ')}) are that API's`,
        fix: 'Fix the audience first, then check the roles of the new token.',
      },
      missingRoles: missing,
    }
  }
  const api = apiName(inspection.audience)
  // Permissions live on one API each; Incident.Read.All is not under Graph (peers.md §4 item 1).
  const target = inspection.audience === undefined ? undefined : findResource(inspection.audience)
  const elsewhere = missing.flatMap((role) => {
    if (!target || target.roles.includes(role)) return []
    const owner = KNOWN_RESOURCES.find((r) => r !== target && r.roles.includes(role))
    return owner ? [`${role} is a ${owner.displayName} permission, not a ${target.displayName} one: it needs a token for ${owner.uris[0]}`] : []
  })
  const typo = missing.filter((r) => /^Incidents\./.test(r)).map((r) => `"${r}" does not exist — the permission is ${r.replace(/^Incidents\./, 'Incident.')} (the docs' plural is a typo)`)
  return {
    check: {
      id: 'roles',
      ok: false,
      message: [`permission${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not granted in tenant ${tenant} (token roles: ${inspection.roles.join(', ')})`, ...elsewhere, ...typo, ...notes].join('; '),
      fix: `Add ${missing.join(', ')} under API permissions → Add a permission → ${api} → Application permissions, then grant admin consent again. Tokens minted before the grant keep their old roles for up to 60–90 min: request a new token afterwards.`,
    },
    missingRoles: missing,
  }
}

function apiName(aud: string | undefined): string {
  const known = aud === undefined ? undefined : findResource(aud)
  if (known?.family === 'defender') return 'APIs my organization uses → Microsoft Threat Protection (it does not appear in the list until you type its name)'
  if (known?.family === 'mde') return 'APIs my organization uses → WindowsDefenderATP (type its name to find it)'
  if (known?.family === 'graph') return 'Microsoft Graph'
  return 'the API the token is for'
}
