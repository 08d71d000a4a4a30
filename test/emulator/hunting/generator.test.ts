// The hunting data generator and the Graph Timespan parser, in process: determinism, the stories
// each alert kind tells across tables, the 30-day window, column conventions.
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { createEmulator, WELL_KNOWN as W, type Emulator } from '../../../src/emulator/index.js'
import { generateHuntingData, huntingSchema, parseTimespan } from '../../../src/emulator/hunting/index.js'
import type { Incident } from '../../../src/emulator/defender/model.js'
import type { Table } from '../../../src/kql/index.js'

const DAY = 86_400_000
const NOW = Date.parse('2026-11-01T00:00:00Z')
let emu: Emulator
let incidents: Incident[]
let tables: Map<string, Table>

const column = (t: Table, name: string) => t.data[t.columns.findIndex((c) => c.name === name)]!
function rows(table: string, where: (get: (col: string) => unknown) => boolean): number[] {
  const t = tables.get(table)!
  const out: number[] = []
  for (let r = 0; r < t.rowCount; r++) if (where((c) => column(t, c)[r])) out.push(r)
  return out
}

describe('hunting data generator', () => {
  before(async () => {
    emu = await createEmulator({ defender: { incidentsPerTenant: 200 } })
    incidents = emu.defender.all(W.contosoTenantId)
    tables = generateHuntingData({ tenantId: W.contosoTenantId, domain: 'contoso.onmicrosoft.com', seed: 1, now: NOW, incidents, schema: huntingSchema(), rows: 5000 })
  })

  test('deterministic for the same inputs; the row budget is honoured', () => {
    const again = generateHuntingData({ tenantId: W.contosoTenantId, domain: 'contoso.onmicrosoft.com', seed: 1, now: NOW, incidents, schema: huntingSchema(), rows: 5000 })
    for (const [name, t] of tables) assert.deepEqual(again.get(name)!.data, t.data, name)
    const other = generateHuntingData({ tenantId: W.contosoTenantId, domain: 'contoso.onmicrosoft.com', seed: 2, now: NOW, incidents, schema: huntingSchema(), rows: 5000 })
    assert.notDeepEqual(other.get('DeviceProcessEvents')!.data[1], tables.get('DeviceProcessEvents')!.data[1])
    const background = ['DeviceProcessEvents', 'DeviceNetworkEvents', 'DeviceFileEvents', 'EmailEvents'].reduce((n, t) => n + tables.get(t)!.rowCount, 0)
    assert.ok(background > 5000 * 0.6 && background < 5000, `${background}`)
  })

  test('every table follows the schema; Timestamps sorted, within 30 days; strings are "" never null', () => {
    const schema = huntingSchema()
    for (const [name, t] of tables) {
      assert.deepEqual(t.columns, schema.get(name), name)
      assert.ok(t.data.every((c) => c.length === t.rowCount), name)
      const ts = column(t, 'Timestamp') as number[]
      for (let i = 1; i < ts.length; i++) assert.ok(ts[i - 1]! <= ts[i]!, `${name} not sorted`)
      // Story events may start up to an hour before the alert (first activity, logon before it).
      assert.ok(ts.every((x) => x >= NOW - 30 * DAY - 2 * 3_600_000 && x <= NOW + 3_600_000), `${name} outside the window`)
      t.columns.forEach((c, i) => {
        if (c.type === 'string') assert.ok(t.data[i]!.every((v) => typeof v === 'string'), `${name}.${c.name} has a non-string`)
      })
    }
  })

  test('endpoint alerts: device, file, process and IP appear in AlertEvidence and the Device tables', () => {
    const recent = incidents.flatMap((i) => i.alerts).filter((a) => a.creationTime >= NOW - 30 * DAY && a.creationTime <= NOW)
    const endpoint = recent.filter((a) => a.devices.length > 0)
    assert.ok(endpoint.length > 3)
    for (const a of endpoint) {
      const deviceId = a.devices[0]!.mdatpDeviceId
      assert.equal(rows('AlertInfo', (g) => g('AlertId') === a.alertId).length, 1)
      assert.ok(rows('AlertEvidence', (g) => g('AlertId') === a.alertId && g('EntityType') === 'Machine' && g('DeviceId') === deviceId).length === 1)
      const file = a.entities.find((e) => e.entityType === 'File')!
      assert.ok(rows('DeviceFileEvents', (g) => g('DeviceId') === deviceId && g('SHA256') === file.sha256).length >= 1, 'file event')
      const proc = a.entities.find((e) => e.entityType === 'Process')!
      assert.ok(rows('DeviceProcessEvents', (g) => g('DeviceId') === deviceId && g('ProcessCommandLine') === proc.processCommandLine && g('ProcessId') === proc.processId).length === 1, 'process event')
      const ip = a.entities.find((e) => e.entityType === 'Ip')
      if (ip) assert.ok(rows('DeviceNetworkEvents', (g) => g('DeviceId') === deviceId && g('RemoteIP') === ip.ipAddress).length >= 1, 'network event')
      assert.ok(rows('DeviceInfo', (g) => g('DeviceId') === deviceId && g('DeviceName') === a.devices[0]!.deviceDnsName).length >= 29, 'daily DeviceInfo')
    }
  })

  test('mail and identity alerts: EmailEvents with the message, IdentityLogonEvents from the IP', () => {
    const recent = incidents.flatMap((i) => i.alerts).filter((a) => a.creationTime >= NOW - 30 * DAY && a.creationTime <= NOW)
    const mail = recent.filter((a) => a.entities.some((e) => e.entityType === 'MailMessage'))
    const identity = recent.filter((a) => a.title.startsWith('Suspected brute-force'))
    assert.ok(mail.length > 0 && identity.length > 0, `${mail.length} mail, ${identity.length} brute-force alerts`)
    for (const a of mail) {
      const m = a.entities.find((e) => e.entityType === 'MailMessage')!
      assert.equal(rows('EmailEvents', (g) => g('InternetMessageId') === m.internetMessageId && g('RecipientEmailAddress') === m.recipient && g('Subject') === m.subject).length, 1)
    }
    for (const a of identity) {
      const ip = a.entities.find((e) => e.entityType === 'Ip')!
      assert.equal(rows('IdentityLogonEvents', (g) => g('IPAddress') === ip.ipAddress && g('ActionType') === 'LogonFailed').length, 30)
    }
  })

  test('Graph Timespan formats (Date/Date, Duration/End, Start/Duration, Duration, Date) and rejects others', () => {
    const now = Date.parse('2024-02-20T00:00:00Z')
    const d = (s: string) => Date.parse(s)
    assert.deepEqual(parseTimespan('2024-02-01T08:00:00Z/2024-02-15T08:00:00Z', now), { start: d('2024-02-01T08:00:00Z'), end: d('2024-02-15T08:00:00Z') })
    assert.deepEqual(parseTimespan('P30D/2024-02-15T08:00:00Z', now), { start: d('2024-02-15T08:00:00Z') - 30 * DAY, end: d('2024-02-15T08:00:00Z') })
    assert.deepEqual(parseTimespan('2024-02-01T08:00:00Z/P1DT12H', now), { start: d('2024-02-01T08:00:00Z'), end: d('2024-02-01T08:00:00Z') + 1.5 * DAY })
    assert.deepEqual(parseTimespan('P90D', now), { start: now - 90 * DAY, end: now })
    assert.deepEqual(parseTimespan('2024-02-01T08:00:00Z', now), { start: d('2024-02-01T08:00:00Z'), end: now })
    for (const bad of ['', 'P', 'PT', 'yesterday', 'P1M', '2024-02-15/2024-02-01', 'a/b/c']) assert.equal(parseTimespan(bad, now), undefined, bad)
  })
})
