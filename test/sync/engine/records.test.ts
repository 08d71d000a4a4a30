import assert from 'node:assert/strict'
import { test } from 'node:test'
import { incidentRecord, withoutAnnotations } from '../../../src/sync/engine/records.js'
import type { Incident } from '../../../src/defender/index.js'

test('a GET copy (with @odata annotations) and a list copy of one incident store the same document', () => {
  const listed = { incidentId: 7, lastUpdateTime: '2026-01-01T00:00:00Z', createdTime: '2025-12-31T00:00:00Z', status: 'Active', alerts: [] } as unknown as Incident
  const fetched = { '@odata.context': 'https://api.security.microsoft.com/api/$metadata#Incidents/$entity', ...listed } as Incident
  assert.deepEqual(incidentRecord(fetched).raw, incidentRecord(listed).raw)
  assert.equal('@odata.context' in (incidentRecord(fetched).raw as object), false)
})

test('withoutAnnotations drops Graph navigation annotations and leaves clean documents untouched', () => {
  const clean = { id: '1', alerts: [] }
  assert.equal(withoutAnnotations(clean), clean)
  assert.deepEqual(withoutAnnotations({ id: '1', 'alerts@odata.context': 'x', alerts: [] }), { id: '1', alerts: [] })
})
