import { X509Certificate } from 'node:crypto'
import type { ClientCredential } from '../auth/index.js'
import type { ConsoleDeps } from './deps.js'
import { recordHealthEvent } from './sql/health_events.js'

/** Warn this long before a secret or certificate of the app expires. */
export const EXPIRY_WARNING_DAYS = 30

export interface AppCredentialInfo {
  kind: 'secret' | 'certificate'
  keyId: string
  name: string | null
  expiresAt: string
  source: 'graph' | 'configuration'
}

/** `GET /v1.0/applications?$filter=appId eq '…'` in the app's home tenant (needs Application.Read.All there). */
export function applicationsRequest(graphApi: string, clientId: string): string {
  const q = new URLSearchParams({ $filter: `appId eq '${clientId}'`, $select: 'appId,passwordCredentials,keyCredentials' })
  return `${graphApi.replace(/\/+$/, '')}/v1.0/applications?${q}`
}

export function processApplicationsResponse(body: unknown): AppCredentialInfo[] {
  const app = (body as { value?: Record<string, unknown>[] })?.value?.[0]
  if (!app) return []
  const list = (v: unknown) => (Array.isArray(v) ? (v as Record<string, unknown>[]) : [])
  return [
    ...list(app.passwordCredentials).map((c) => ({ kind: 'secret' as const, keyId: String(c.keyId), name: (c.displayName as string | null) ?? null, expiresAt: String(c.endDateTime), source: 'graph' as const })),
    ...list(app.keyCredentials).map((c) => ({ kind: 'certificate' as const, keyId: String(c.keyId), name: (c.displayName as string | null) ?? null, expiresAt: String(c.endDateTime), source: 'graph' as const })),
  ].filter((c) => !Number.isNaN(Date.parse(c.expiresAt)))
}

/** What configuration tells: the certificate's notAfter, or M365D_CLIENT_SECRET_EXPIRES for a secret. */
export function configuredExpiry(credential: ClientCredential, env: Record<string, string | undefined>): ConsoleDeps['configuredCredentialExpiry'] {
  if (credential.kind === 'certificate') {
    try {
      return { kind: 'certificate', expiresAt: new Date(new X509Certificate(credential.certificatePem).validTo).toISOString(), name: 'configured certificate' }
    } catch {
      return undefined
    }
  }
  const s = env.M365D_CLIENT_SECRET_EXPIRES
  return s && !Number.isNaN(Date.parse(s)) ? { kind: 'secret', expiresAt: new Date(s).toISOString(), name: 'configured client secret' } : undefined
}

/**
 * Reads the app's credentials from Graph when it may (Application.Read.All in its home tenant),
 * else from configuration, and records a `credential_expiring` health event (once per credential
 * and end date) for each one that ends within {@link EXPIRY_WARNING_DAYS} days or already ended.
 */
export async function checkCredentialExpiry(deps: ConsoleDeps, nowMs = Date.now()): Promise<{ source: 'graph' | 'configuration' | 'none'; credentials: AppCredentialInfo[]; graphError?: string }> {
  let credentials: AppCredentialInfo[] = []
  let source: 'graph' | 'configuration' | 'none' = 'none'
  let graphError: string | undefined
  if (deps.homeTenant) {
    try {
      const { token } = await deps.tokenProvider.getToken({ tenant: deps.homeTenant, resource: deps.cloud.graphResource })
      const res = await (deps.fetch ?? fetch)(applicationsRequest(deps.cloud.graphApi, deps.clientId), { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } })
      if (res.ok) {
        credentials = processApplicationsResponse(await res.json())
        source = 'graph'
      } else {
        graphError = `Graph /applications answered ${res.status} (Application.Read.All in the home tenant lets m365d read the app's credential dates)`
        await res.body?.cancel().catch(() => undefined)
      }
    } catch (e) {
      graphError = e instanceof Error ? e.message : String(e)
    }
  }
  if (source === 'none' && deps.configuredCredentialExpiry) {
    const c = deps.configuredCredentialExpiry
    credentials = [{ kind: c.kind, keyId: `configured-${c.kind}`, name: c.name ?? null, expiresAt: c.expiresAt, source: 'configuration' }]
    source = 'configuration'
  }
  for (const c of credentials) {
    const left = Date.parse(c.expiresAt) - nowMs
    if (left > EXPIRY_WARNING_DAYS * 86_400_000) continue
    const days = Math.floor(left / 86_400_000)
    await recordHealthEvent(deps.db, {
      tenantId: deps.homeTenant?.toLowerCase() ?? null,
      kind: 'credential_expiring',
      dedupeKey: `${c.keyId}:${c.expiresAt}`,
      detail: {
        kind: c.kind,
        name: c.name,
        expiresAt: c.expiresAt,
        daysLeft: days,
        source: c.source,
        message: left <= 0 ? `the app's ${c.kind} "${c.name ?? c.keyId}" has expired` : `the app's ${c.kind} "${c.name ?? c.keyId}" expires in ${days} days`,
        hint: `add a new ${c.kind} to the app registration, switch m365d to it, then remove the old one (every tenant's tokens fail once it expires)`,
      },
    })
  }
  return { source, credentials, ...(graphError && { graphError }) }
}
