import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { WELL_KNOWN } from '../../src/emulator/index.js'
import { launch, newPage, screenshot } from './_browser.js'
import { consoleRig, eventually, type ConsoleRig } from './_rig.js'

/** The console in a real browser (issue 9 §4), against the four demo tenants on the emulator. */
describe('console in Chromium', { timeout: 300_000 }, () => {
  let rig: ConsoleRig
  let browser: Browser
  let page: Page
  const errors: string[] = []

  before(async () => {
    rig = await consoleRig({ incidentsPerTenant: 80 })
    browser = await launch()
    page = await newPage(browser, errors)
    page.setDefaultTimeout(30_000)
    // The first pass of every tenant has run (two synced, two failing with their fix).
    await eventually(async () => {
      const { rows } = await rig.db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_tenants WHERE health <> 'unknown'`)
      return Number(rows[0]!.n) === 4
    }, 60_000, 'first pass of the four tenants')
  })
  after(async () => {
    await browser?.close()
    await rig?.close()
  })

  /** Each test logs in with a fresh one-time link, in a fresh browser context (no cookie carried over). */
  async function loggedIn(path?: string): Promise<void> {
    await page.context().close()
    page = await newPage(browser, errors)
    page.setDefaultTimeout(30_000)
    await page.goto(rig.loginUrl())
    if (path !== undefined) await page.goto(`${rig.base}${path}`)
  }

  test('login is required: the console URL without the token shows the login page and no tenant data', async () => {
    const r = await page.goto(`${rig.base}/console/`)
    assert.equal(r?.status(), 401)
    assert.match(await page.textContent('body') ?? '', /login link/)
    assert.doesNotMatch(await page.content(), /Contoso/)
    await screenshot(page, '01-login-required')
  })

  test('a login link works once: opened again in another browser it is refused with how to get a new one', async () => {
    const url = rig.loginUrl()
    const first = await newPage(browser, errors)
    await first.goto(url)
    assert.equal(new URL(first.url()).pathname, '/console/')
    await first.waitForSelector('table.tenants')
    const second = await newPage(browser, errors)
    const r = await second.goto(url)
    assert.equal(r?.status(), 401)
    const text = (await second.textContent('body')) ?? ''
    assert.match(text, /already used/)
    assert.match(text, /m365d console url/)
    assert.doesNotMatch(await second.content(), /Contoso/)
    await screenshot(second, '01b-login-link-used')
    await first.context().close()
    await second.context().close()
  })

  test('tenants page: the four demo tenants with their health and fix', async () => {
    await loggedIn()
    assert.equal(new URL(page.url()).search, '', 'the token is dropped from the address bar')
    await page.waitForSelector('table.tenants tbody tr[data-tenant]')
    await eventually(async () => (await page.$$('table.tenants tbody tr[data-tenant]')).length === 4, 10_000, 'four tenant rows')
    const health = async (id: string) => page.getAttribute(`tr[data-tenant="${id}"]`, 'data-health')
    assert.equal(await health(WELL_KNOWN.contosoTenantId), 'ok')
    assert.equal(await health(WELL_KNOWN.fabrikamTenantId), 'ok')
    assert.equal(await health(WELL_KNOWN.tailspinTenantId), 'missing_roles')
    assert.equal(await health(WELL_KNOWN.woodgroveTenantId), 'not_consented')
    const woodgrove = await page.textContent(`tr[data-tenant="${WELL_KNOWN.woodgroveTenantId}"]`)
    assert.match(woodgrove ?? '', /not consented/)
    assert.match(woodgrove ?? '', /consent link/i)
    const tailspin = await page.textContent(`tr[data-tenant="${WELL_KNOWN.tailspinTenantId}"]`)
    assert.match(tailspin ?? '', /lacks SecurityIncident\.Read\.All \(Microsoft Graph\)/)
    assert.doesNotMatch(tailspin ?? '', /\(Defender API\)/, 'the fix names the roles of the API in use (Graph), not the retiring one')
    assert.match(await page.textContent('.tiles') ?? '', /tenants/)
    // Usable at 1280 px (issue 9 §4): the page never scrolls sideways.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the tenants page fits 1280 px')
    await screenshot(page, '02-tenants')
  })

  test('incident queue across tenants: filters and keyset paging', async () => {
    await loggedIn(`/console/#/incidents?all=1`)
    await page.waitForSelector('table.queue tbody tr')
    const tenantsShown = new Set(await page.$$eval('table.queue tbody tr td:nth-child(2)', (tds) => tds.map((t) => t.textContent)))
    assert.ok(tenantsShown.has('Contoso') && tenantsShown.has('Fabrikam'), `both synced tenants in one queue: ${[...tenantsShown].join(', ')}`)
    const first = await page.$$eval('table.queue tbody tr', (rows) => rows.map((r) => r.getAttribute('data-incident')))
    assert.equal(first.length, 50)
    await page.click('button:has-text("Older →")')
    await page.waitForFunction((f) => document.querySelector('table.queue tbody tr')?.getAttribute('data-incident') !== f, first[0])
    const second = await page.$$eval('table.queue tbody tr', (rows) => rows.map((r) => r.getAttribute('data-incident')))
    assert.ok(second.length > 0)
    assert.equal(second.filter((k) => first.includes(k)).length, 0, 'no incident on two pages')
    await page.click('button:has-text("← Newer")')
    await page.selectOption('select[name="severity"]', 'high')
    await page.selectOption('select[name="tenant"]', WELL_KNOWN.fabrikamTenantId)
    await page.waitForFunction(() => Array.from(document.querySelectorAll('table.queue tbody tr td:nth-child(2)')).every((t) => t.textContent === 'Fabrikam'))
    const severities = await page.$$eval('table.queue tbody tr td:nth-child(4)', (tds) => tds.map((t) => t.textContent))
    assert.ok(severities.length > 0)
    assert.ok(severities.every((s) => s === 'high'), severities.join(','))
    await screenshot(page, '03-queue-filtered')
  })

  test('an assignment is written back with the tenant token, visible in the emulator and in the store at once', async () => {
    await loggedIn(`/console/#/incidents?tenant=${WELL_KNOWN.contosoTenantId}`)
    await page.waitForSelector('table.queue tbody tr')
    const key = (await page.getAttribute('table.queue tbody tr:first-child', 'data-incident'))!
    const [, , id] = key.split('/')
    await page.check('table.queue tbody tr:first-child input[type="checkbox"]')
    await page.fill('form.bulk input[name="assignedTo"]', 'analyst@partner.example')
    await page.click('form.bulk button[type="submit"]')
    await page.waitForSelector('[data-testid="action-results"]')
    assert.match(await page.textContent('[data-testid="action-results"]') ?? '', /1 of 1 written back/)
    const control = (await (await fetch(`${rig.server.url}/_emulator/defender/tenants/${WELL_KNOWN.contosoTenantId}/incidents`)).json()) as { value: { incidentId: number; assignedTo: string | null }[] }
    assert.equal(control.value.find((i) => String(i.incidentId) === id)?.assignedTo, 'analyst@partner.example')
    const { rows } = await rig.db.query<{ assigned_to: string }>(`SELECT assigned_to FROM m365d_incidents WHERE tenant_id = $1 AND incident_id = $2`, [WELL_KNOWN.contosoTenantId, id])
    assert.equal(rows[0]!.assigned_to, 'analyst@partner.example')
    await page.waitForFunction((k) => document.querySelector(`tr[data-incident="${k}"] td.assigned`)?.textContent === 'analyst@partner.example', key)
    await screenshot(page, '04-assigned')
  })

  test('live update: a change in the emulator reaches the open queue without a reload', async () => {
    await loggedIn(`/console/#/incidents?tenant=${WELL_KNOWN.fabrikamTenantId}`)
    await page.waitForSelector('table.queue tbody tr')
    const key = (await page.getAttribute('table.queue tbody tr:nth-child(3)', 'data-incident'))!
    const id = key.split('/')[2]!
    const marker = `live-${Date.now()}@partner.example`
    const r = await fetch(`${rig.server.url}/_emulator/defender/tenants/${WELL_KNOWN.fabrikamTenantId}/incidents/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ assignedTo: marker }),
    })
    assert.equal(r.status, 200)
    // The daemon's next pass stores it; the console's poll sees the new history row and tells the page.
    await page.waitForFunction((m) => Array.from(document.querySelectorAll('table.queue td.assigned')).some((td) => td.textContent === m), marker, { timeout: 60_000 })
    await screenshot(page, '05-live-update')
  })

  test('hunting: one query across the tenants, TenantId column, per-tenant errors beside the results', async () => {
    await loggedIn(`/console/#/hunting`)
    await page.fill('#kql', 'DeviceInfo | summarize Devices = count() by OSPlatform')
    await page.click('form button[type="submit"]')
    await page.waitForSelector('table.hunt-results tbody tr', { timeout: 120_000 })
    const header = await page.$$eval('table.hunt-results thead th', (ths) => ths.map((t) => t.textContent))
    assert.equal(header[0], 'TenantId')
    assert.ok(header.includes('Devices'))
    const tenantIds = new Set(await page.$$eval('table.hunt-results tbody tr td:first-child', (tds) => tds.map((t) => t.textContent)))
    for (const t of [WELL_KNOWN.contosoTenantId, WELL_KNOWN.fabrikamTenantId]) assert.ok(tenantIds.has(t), `rows of ${t}`)
    assert.equal(await page.getAttribute(`.hunt-tenants li[data-tenant="${WELL_KNOWN.woodgroveTenantId}"]`, 'data-ok'), 'false')
    assert.match((await page.textContent(`.hunt-tenants li[data-tenant="${WELL_KNOWN.woodgroveTenantId}"]`)) ?? '', /fix|consent/i)
    const download = page.waitForEvent('download')
    await page.click('button:has-text("Export CSV")')
    const csv = await download
    assert.equal(csv.suggestedFilename(), 'hunt.csv')
    await screenshot(page, '06-hunting')
  })

  test('SLA, sync and health-event pages render their data', async () => {
    await loggedIn(`/console/#/sla`)
    await page.waitForSelector('table.sla tbody tr')
    await page.waitForSelector('.chart canvas')
    assert.match((await page.textContent('table.sla')) ?? '', /Contoso/)
    await screenshot(page, '07-sla')
    await page.goto(`${rig.base}/console/#/sync`)
    await page.waitForSelector('h2:has-text("Workers")')
    assert.match((await page.textContent('main')) ?? '', /incidents/)
    await screenshot(page, '08-sync')
    await page.goto(`${rig.base}/console/#/health`)
    await page.waitForSelector('table.health-events tbody tr')
    const kinds = await page.$$eval('table.health-events tbody tr', (rows) => rows.map((r) => r.getAttribute('data-kind')))
    assert.ok(kinds.includes('not_consented') && kinds.includes('roles_missing'), kinds.join(','))
    await screenshot(page, '09-health-events')
  })

  test('no CSP violation or script error on any page', () => {
    assert.deepEqual(errors, [])
  })
})
