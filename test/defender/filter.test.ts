import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildIncidentFilter } from '../../src/defender/filter.js'
import { validateClassification } from '../../src/defender/enums.js'
import { incidentUpdateBody } from '../../src/defender/incident_update.js'
import { listIncidentsRequest } from '../../src/defender/incidents_list.js'
import { checkIncidentId } from '../../src/defender/incident_get.js'

describe('filter builder', () => {
  const since = new Date('2026-03-01T10:00:00Z')
  test('legacy: unquoted DateTimeOffset literals, legacy field names, quoted strings', () => {
    assert.equal(
      buildIncidentFilter({ lastUpdateTime: { ge: since, lt: '2026-03-02T00:00:00Z' }, status: 'active' as 'Active', assignedTo: "o'brien@contoso.com" }, 'legacy'),
      "lastUpdateTime ge 2026-03-01T10:00:00.000Z and lastUpdateTime lt 2026-03-02T00:00:00.000Z and status eq 'Active' and assignedTo eq 'o''brien@contoso.com'",
    )
  })
  test('graph: Graph field names, camelCase enums, lists become or-groups', () => {
    assert.equal(
      buildIncidentFilter({ createdTime: { gt: since }, status: ['Active', 'InProgress'], severity: 'High', classification: 'TruePositive', determination: 'Clean' }, 'graph'),
      "createdDateTime gt 2026-03-01T10:00:00.000Z and (status eq 'active' or status eq 'inProgress') and severity eq 'high' and classification eq 'truePositive' and determination eq 'notMalicious'",
    )
  })
  test('errors: legacy severity, unknown status, bad date', () => {
    assert.throws(() => buildIncidentFilter({ severity: 'High' }, 'legacy'), (e: any) => e.code === 'ERR_INVALID_ARGUMENT' && /client-side/.test(e.hint))
    assert.throws(() => buildIncidentFilter({ status: 'Open' as never }, 'legacy'), (e: any) => e.code === 'ERR_INVALID_ARGUMENT' && /Active, InProgress/.test(e.hint))
    assert.throws(() => buildIncidentFilter({ lastUpdateTime: { ge: 'yesterday' } }, 'legacy'), (e: any) => e.code === 'ERR_INVALID_ARGUMENT')
    assert.equal(buildIncidentFilter({}, 'legacy'), undefined)
  })
  test('list request: $top bounds per surface, legacy refuses $expand', () => {
    const r = listIncidentsRequest({ baseUrl: 'https://api.security.microsoft.com/', surface: 'legacy', filter: { status: 'Active' }, skip: 200 })
    assert.equal(r.url, "https://api.security.microsoft.com/api/incidents?$filter=status%20eq%20'Active'&$top=100&$skip=200")
    assert.throws(() => listIncidentsRequest({ baseUrl: 'x', surface: 'legacy', top: 101 }), (e: any) => e.code === 'ERR_INVALID_ARGUMENT')
    assert.throws(() => listIncidentsRequest({ baseUrl: 'x', surface: 'graph', top: 51 }), (e: any) => e.code === 'ERR_INVALID_ARGUMENT')
    assert.throws(() => listIncidentsRequest({ baseUrl: 'x', surface: 'legacy', expandAlerts: true }), (e: any) => e.code === 'ERR_INVALID_ARGUMENT')
    assert.match(listIncidentsRequest({ baseUrl: 'https://graph.microsoft.com', surface: 'graph', expandAlerts: true, top: 10 }).url, /\/v1\.0\/security\/incidents\?\$top=10&\$expand=alerts$/)
  })
})

describe('classification → determination pairs', () => {
  test('valid pairs pass with canonical spelling (case-insensitive input)', () => {
    assert.deepEqual(validateClassification({ surface: 'legacy', classification: 'truepositive', determination: 'malware' }), { classification: 'TruePositive', determination: 'Malware' })
    assert.deepEqual(validateClassification({ surface: 'legacy', classification: 'FalsePositive', determination: 'NotMalicious' }), { classification: 'FalsePositive', determination: 'NotMalicious' })
    assert.deepEqual(validateClassification({ surface: 'graph', classification: 'informationalExpectedActivity', determination: 'securityTesting' }), { classification: 'informationalExpectedActivity', determination: 'securityTesting' })
  })
  test('invalid pairs are rejected listing the valid choices', () => {
    assert.throws(() => validateClassification({ surface: 'legacy', classification: 'FalsePositive', determination: 'Malware' }), (e: any) => e.code === 'ERR_INVALID_ARGUMENT' && e.hint === 'valid determinations for FalsePositive: Clean, NoEnoughDataToValidate, Other')
    assert.throws(() => validateClassification({ surface: 'legacy', determination: 'Malware' }), (e: any) => /needs a classification/.test(e.message))
    assert.throws(() => validateClassification({ surface: 'legacy', classification: 'Bogus' }), (e: any) => /TruePositive, InformationalExpectedActivity/.test(e.hint))
  })
  test('update bodies per surface', () => {
    assert.deepEqual(incidentUpdateBody({ status: 'resolved', classification: 'TruePositive', determination: 'Phishing', tags: ['a'], comment: 'done', assignedTo: 'x@y' }, 'legacy'), {
      status: 'Resolved', classification: 'TruePositive', determination: 'Phishing', tags: ['a'], comment: 'done', assignedTo: 'x@y',
    })
    assert.deepEqual(incidentUpdateBody({ status: 'InProgress', classification: 'FalsePositive', determination: 'Clean', tags: ['a'] }, 'graph'), {
      status: 'inProgress', classification: 'falsePositive', determination: 'notMalicious', customTags: ['a'],
    })
    assert.throws(() => incidentUpdateBody({}, 'legacy'), (e: any) => e.code === 'ERR_INVALID_ARGUMENT')
    assert.throws(() => incidentUpdateBody({ status: 'Closed' }, 'legacy'), (e: any) => /valid statuses/.test(e.hint))
  })
  test('incident ids: legacy numeric only', () => {
    assert.equal(checkIncidentId(' 924 ', 'legacy'), '924')
    assert.throws(() => checkIncidentId('abc', 'legacy'), (e: any) => e.code === 'ERR_INVALID_ARGUMENT')
    assert.throws(() => checkIncidentId('1/../2', 'graph'), (e: any) => e.code === 'ERR_INVALID_ARGUMENT')
  })
})
