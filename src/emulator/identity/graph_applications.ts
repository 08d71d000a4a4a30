/**
 * Microsoft Graph `GET /v1.0/applications` (Learn: "List applications", application resource):
 * the app registrations of the caller's tenant with their `passwordCredentials` and
 * `keyCredentials` — metadata only (`hint`, `startDateTime`, `endDateTime`; the secret value is
 * never returned, `secretText` is null) — so a daemon can warn before its own secret or
 * certificate expires. Needs Application.Read.All (or Application.ReadWrite.All,
 * Directory.Read.All). Supports `$filter=appId eq '{guid}'` and `$select`.
 */
import { authenticate, requireRole } from '../api/auth.js'
import { contextUrl, fail, ok, requestInfo } from '../api/responses.js'
import type { EmulatorContext } from '../context.js'
import type { Router } from '../router.js'
import type { AppRegistration } from '../state/types.js'

const READ = ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All']
const FILTER = /^\s*appId\s+eq\s+'([0-9a-fA-F-]{36})'\s*$/

export function applicationView(app: AppRegistration): Record<string, unknown> {
  return {
    id: app.appId.replace(/^(.{8})/, 'a9910000'),
    appId: app.appId,
    displayName: app.displayName,
    signInAudience: app.signInAudience,
    passwordCredentials: app.secrets.map((s) => ({
      customKeyIdentifier: null,
      displayName: s.displayName,
      endDateTime: new Date(s.expiresAt).toISOString(),
      hint: s.hint,
      keyId: s.keyId,
      secretText: null,
      startDateTime: new Date(s.startsAt).toISOString(),
    })),
    keyCredentials: app.certificates.map((c) => ({
      customKeyIdentifier: c.thumbprintSha1,
      displayName: c.displayName,
      endDateTime: new Date(c.expiresAt).toISOString(),
      key: null,
      keyId: c.keyId,
      startDateTime: new Date(c.startsAt).toISOString(),
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
    })),
  }
}

export function registerGraphApplicationRoutes(router: Router<EmulatorContext>): void {
  router.add(
    'GET',
    '/v1.0/applications',
    async (req, url, _p, ctx) => {
      const info = requestInfo('graph', req, ctx.clock.now())
      const principal = await authenticate(req, ctx, info)
      requireRole(info, principal, READ)
      const filter = url.searchParams.get('$filter')
      let appId: string | undefined
      if (filter !== null) {
        const m = FILTER.exec(filter)
        if (!m) fail(info, 400, 'Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified for property 'appId' of resource 'Application'.`)
        appId = m[1]!.toLowerCase()
      }
      const apps = [...ctx.directory.apps.values()].filter((a) => a.homeTenantId === principal.tenantId && (appId === undefined || a.appId === appId))
      const select = url.searchParams.get('$select')?.split(',').map((s) => s.trim()).filter(Boolean)
      const value = apps.map((a) => {
        const v = applicationView(a)
        return select ? Object.fromEntries(Object.entries(v).filter(([k]) => select.includes(k))) : v
      })
      return ok(info, { '@odata.context': contextUrl(url, info, select ? `applications(${select.join(',')})` : 'applications'), value })
    },
    { group: 'graph', caseInsensitive: true },
  )
}
