/**
 * Fuzz target `json-bodies`: JSON request bodies of the API routes (incident and alert updates,
 * comments, both hunting surfaces) and of the control API, through the emulator's fetch app in
 * process. Bodies are objects with the fields those routes read, holding any JSON value, plus
 * arbitrary JSON and broken text. Every answer must be 2xx/3xx or a coded 4xx, never a 5xx.
 * State drifts as inputs are applied (apps, limits, generated incidents), so the emulator is
 * recreated every {@link FRESH_EVERY} inputs; injected faults are cleared after each input.
 */
import fc from 'fast-check'
import { createEmulator, WELL_KNOWN, type Emulator } from '../../src/emulator/index.js'
import { checkResponse, type FuzzTarget } from './target.js'

const T = WELL_KNOWN.contosoTenantId
const FRESH_EVERY = 3000

/** Route templates: `{incident}` and `{alert}` are filled with ids that exist in the tenant. */
const ROUTES: { method: string; path: string; auth?: 'legacy' | 'graph' }[] = [
  { method: 'PATCH', path: '/api/incidents/{incident}', auth: 'legacy' },
  { method: 'PATCH', path: '/v1.0/security/incidents/{incident}', auth: 'graph' },
  { method: 'POST', path: '/v1.0/security/incidents/{incident}/comments', auth: 'graph' },
  { method: 'PATCH', path: '/v1.0/security/alerts_v2/{alert}', auth: 'graph' },
  { method: 'POST', path: '/api/advancedhunting/run', auth: 'legacy' },
  { method: 'POST', path: '/v1.0/security/runHuntingQuery', auth: 'graph' },
  { method: 'POST', path: '/_emulator/tenants' },
  { method: 'POST', path: '/_emulator/apps' },
  { method: 'PATCH', path: `/_emulator/apps/${WELL_KNOWN.clientId}` },
  { method: 'POST', path: `/_emulator/apps/${WELL_KNOWN.clientId}/secrets` },
  { method: 'POST', path: `/_emulator/apps/${WELL_KNOWN.clientId}/certificates` },
  { method: 'PUT', path: `/_emulator/tenants/${WELL_KNOWN.woodgroveTenantId}/grants/${WELL_KNOWN.clientId}` },
  { method: 'PATCH', path: '/_emulator/settings' },
  { method: 'POST', path: '/_emulator/faults' },
  { method: 'PUT', path: '/_emulator/defender/limits' },
  { method: 'POST', path: `/_emulator/defender/tenants/${T}/incidents` },
  { method: 'PATCH', path: `/_emulator/defender/tenants/${T}/incidents/{incident}` },
  { method: 'POST', path: `/_emulator/defender/tenants/${WELL_KNOWN.fabrikamTenantId}/generate` },
  { method: 'POST', path: '/_emulator/defender/live/tick' },
  { method: 'PATCH', path: '/_emulator/hunting/limits' },
  { method: 'PUT', path: '/_emulator/hunting/externaldata' },
]

const FIELDS = [
  'status', 'classification', 'determination', 'assignedTo', 'tags', 'comment', 'customTags', 'severity', 'incidentName', 'description', 'mergeInto', 'incidentId',
  'Query', 'Timespan', 'query',
  'id', 'displayName', 'domains', 'homeTenant', 'appId', 'redirectUris', 'requiredResourceAccess', 'secrets', 'certificates', 'certificatePem', 'enabled', 'signInAudience', 'value', 'expiresAt', 'startsAt',
  'consent', 'tokenLifetimeSeconds', 'tokenRateLimit', 'target', 'count', 'body', 'headers', 'retryAfter', 'latencyMs', 'pathPattern', 'reset', 'truncate', 'invalidJson',
  'quotas', 'expandFailAbove', 'retentionDays', 'maxRows', 'rowsPerTenant', 'timeoutMs', 'cpuScale', 'graphMaxResultBytes', 'seed', 'steps', 'https://x.test/a.csv', 'lastUpdateTime', 'createdTime',
]
const QUERIES = ['DeviceInfo | take 3', 'AlertInfo | summarize count() by Severity', 'print 1', 'range x from 1 to 3 step 1', 'DeviceInfo | where', '']

const scalar = fc.oneof(
  fc.constantFrom('resolved', 'Resolved', 'active', 'inProgress', 'truePositive', 'TruePositive', 'malware', 'High', 'token', 'legacy.list', 'P7D', '2026-01-01T00:00:00Z', 'https://app.example/cb', 'javascript:alert(1)', '', ...QUERIES),
  fc.string({ maxLength: 30 }),
  fc.integer({ min: -5, max: 5 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
)
const value = fc.oneof({ weight: 4, arbitrary: scalar }, fc.array(scalar, { maxLength: 4 }), fc.dictionary(fc.constantFrom('resource', 'roles', 'limit', 'windowMs', 'requests', 'perSeconds', 'min', 'max', 'value', 'file'), scalar, { maxKeys: 3 }), fc.jsonValue({ maxDepth: 3 }))
const object = fc.dictionary(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELDS) }, fc.string({ maxLength: 10 })), value, { maxKeys: 5 })
const body = fc.oneof(
  { weight: 8, arbitrary: object.map((o) => JSON.stringify(o)) },
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 60 }),
  fc.constantFrom('', '{', 'null', '[]', '"x"', '{"a":1}{', '\u0000'),
)

export interface JsonBodyInput {
  route: number
  body: string
}

let emu: Emulator
let tokens: Record<'legacy' | 'graph', string>
let incidentIds: number[]
let alertIds: string[]
let inputs = 0

async function fresh(): Promise<void> {
  emu = await createEmulator({ defender: { incidentsPerTenant: 30 } })
  emu.hunting.configure({ rowsPerTenant: 2000 })
  const token = async (scope: string) => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: WELL_KNOWN.clientId, client_secret: WELL_KNOWN.clientSecret, scope })
    const res = await emu.fetch(`http://localhost/${T}/oauth2/v2.0/token`, { method: 'POST', body: form })
    return ((await res.json()) as { access_token: string }).access_token
  }
  tokens = { legacy: await token('https://api.security.microsoft.com/.default'), graph: await token('https://graph.microsoft.com/.default') }
  incidentIds = emu.defender.visible(T).map((i) => i.incidentId)
  alertIds = emu.defender.alerts(T).map((a) => a.alert.alertId)
}

export const jsonBodiesTarget: FuzzTarget<JsonBodyInput> = {
  name: 'json-bodies',
  description: `JSON bodies of ${ROUTES.length} API and control routes, via the emulator fetch app (in process)`,
  arbitrary: fc.record({ route: fc.nat({ max: ROUTES.length - 1 }), body }),
  // Generous: a body may legitimately make the next hunting query regenerate up to 200,000 rows,
  // which takes seconds on a loaded 2-core machine.
  deadlineMs: 30_000,
  async setup() {
    inputs = 0
    await fresh()
  },
  async run(input) {
    if (++inputs % FRESH_EVERY === 0) await fresh()
    const route = ROUTES[input.route]!
    const path = route.path.replace('{incident}', String(incidentIds[input.body.length % incidentIds.length])).replace('{alert}', alertIds[input.body.length % alertIds.length]!)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (route.auth) headers.authorization = `Bearer ${tokens[route.auth]}`
    try {
      const res = await emu.fetch(`http://localhost${path}`, { method: route.method, headers, body: input.body })
      await checkResponse(res, `${route.method} ${path} ${input.body.slice(0, 200)}`)
    } finally {
      emu.faults.clear()
    }
  },
}
