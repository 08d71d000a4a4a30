import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { KqlRuntimeError } from '../../src/kql/index.js'
import { engine, HOUR, NOW, rows } from './helpers.js'

const col = (q: string, name: string): unknown[] => rows(q).map((r) => r[name])

describe('tabular operators', () => {
  test('where with case-insensitive =~ and has term matching (the benchmark filter)', () => {
    assert.deepEqual(col('Proc | where FileName =~ "powershell.exe" and ProcessCommandLine has "-enc"', 'DeviceId'), ['d1'])
    assert.deepEqual(col('Proc | where FileName =~ "powershell.exe"', 'DeviceId'), ['d1', 'd2'])
  })
  test('where with ago() uses the engine clock; between on datetimes', () => {
    assert.deepEqual(col('Proc | where Timestamp > ago(2h)', 'FileName'), ['powershell.exe'])
    assert.deepEqual(col('Proc | where Timestamp between (ago(3h) .. ago(90m))', 'FileName'), ['cmd.exe', 'PowerShell.EXE'])
  })
  test('extend sees earlier items of the same extend; project computes; project-away drops', () => {
    assert.deepEqual(rows('Net | take 1 | extend a = RemotePort + 1, b = a * 2 | project-away Timestamp, DeviceId'), [{ RemoteIP: '10.0.0.5', RemotePort: 443, a: 444, b: 888 }])
  })
  test('summarize count() by bin(Timestamp, 1h) groups per hour', () => {
    const r = rows('Proc | summarize n = count() by bin(Timestamp, 1h) | sort by Timestamp asc')
    assert.deepEqual(r.map((x) => [x.Timestamp, x.n]), [[NOW - 30 * HOUR, 1], [NOW - 3 * HOUR, 1], [NOW - 2 * HOUR, 1], [NOW - 1 * HOUR, 1]])
  })
  test('summarize without by over no rows yields one row; with by yields none', () => {
    assert.deepEqual(rows('Proc | where FileSize > 1000000 | summarize count(), sum(FileSize)'), [{ count_: 0, sum_FileSize: null }])
    assert.deepEqual(rows('Proc | where FileSize > 1000000 | summarize count() by DeviceId'), [])
  })
  test('aggregates: dcount, make_set, make_list, arg_max, countif, avg, min/max, post-aggregation expressions', () => {
    const r = rows('Proc | summarize c = count(), d = dcount(DeviceId), s = make_set(DeviceId), l = make_list(FileSize), arg_max(Timestamp, FileName), ci = countif(FileSize > 60), a = avg(FileSize), mx = max(FileSize), ratio = todouble(dcount(DeviceId)) / count()')
    assert.deepEqual(r, [{ c: 4, d: 3, s: ['d1', 'd2', 'd3'], l: [100, 50, 700], Timestamp: NOW - HOUR, FileName: 'powershell.exe', ci: 2, a: 850 / 3, mx: 700, ratio: 0.75 }])
  })
  test('join kinds: innerunique dedups the left side by key; inner keeps all pairs', () => {
    const left = 'datatable(k:string, l:long)["a", 1, "a", 2, "b", 3, "c", 4]'
    const right = 'datatable(k:string, r:long)["a", 10, "a", 20, "b", 30, "d", 40]'
    const j = (kind: string): unknown[] => rows(`${left} | join kind=${kind} (${right}) on k | sort by l asc, r asc`).map((x) => `${x.l ?? '-'}/${x.r ?? '-'}`)
    assert.deepEqual(j('innerunique'), ['1/10', '1/20', '3/30'])
    assert.deepEqual(j('inner'), ['1/10', '1/20', '2/10', '2/20', '3/30'])
    assert.deepEqual(j('leftouter'), ['1/10', '1/20', '2/10', '2/20', '3/30', '4/-'])
    assert.deepEqual(j('fullouter').sort(), ['-/40', '1/10', '1/20', '2/10', '2/20', '3/30', '4/-'])
    assert.deepEqual(rows(`${left} | join kind=leftanti (${right}) on k`).map((x) => x.l), [4])
    assert.deepEqual(rows(`${left} | join kind=leftsemi (${right}) on k`).map((x) => x.l), [1, 2, 3])
    assert.deepEqual(rows(`${left} | join kind=rightanti (${right}) on k`).map((x) => x.r), [40])
    assert.deepEqual(rows(`${left} | join kind=rightsemi (${right}) on k`).map((x) => x.r), [10, 20, 30])
    assert.deepEqual(rows(`${left} | join kind=rightouter (${right}) on k | where isnull(l)`).map((x) => x.r), [40])
  })
  test('join on $left.X == $right.Y, and the DeviceId1 column', () => {
    const r = rows('Proc | where FileName == "cmd.exe" | project Dev = DeviceId | join (Net) on $left.Dev == $right.DeviceId | project Dev, DeviceId, RemoteIP | sort by RemoteIP asc')
    assert.deepEqual(r, [{ Dev: 'd1', DeviceId: 'd1', RemoteIP: '10.0.0.5' }, { Dev: 'd1', DeviceId: 'd1', RemoteIP: '203.0.113.7' }])
  })
  test('lookup (leftouter by default) keeps unmatched left rows', () => {
    assert.deepEqual(rows('Proc | distinct DeviceId | lookup (Net | summarize n = count() by DeviceId) on DeviceId | sort by DeviceId asc'), [{ DeviceId: 'd1', n: 2 }, { DeviceId: 'd2', n: 1 }, { DeviceId: 'd3', n: null }])
  })
  test('sort (desc by default, nulls last), top, take/limit', () => {
    assert.deepEqual(col('Proc | sort by FileSize', 'FileSize'), [700, 100, 50, null])
    assert.deepEqual(col('Proc | sort by FileSize asc', 'FileSize'), [null, 50, 100, 700])
    assert.deepEqual(col('Proc | top 2 by FileSize', 'FileSize'), [700, 100])
    assert.equal(rows('Proc | limit 3').length, 3)
  })
  test('distinct, count, union', () => {
    assert.deepEqual(col('Proc | distinct DeviceId | sort by DeviceId asc', 'DeviceId'), ['d1', 'd2', 'd3'])
    assert.deepEqual(rows('Proc | count'), [{ Count: 4 }])
    assert.deepEqual(rows('union (Proc | project DeviceId), (Net | project DeviceId) | count'), [{ Count: 8 }])
  })
  test('mv-expand arrays and bags, with to typeof()', () => {
    assert.deepEqual(rows('print a = dynamic([1, 2, 3]) | mv-expand a to typeof(long)'), [{ a: 1 }, { a: 2 }, { a: 3 }])
    assert.deepEqual(rows('print b = dynamic({"x": 1, "y": 2}) | mv-expand b'), [{ b: { x: 1 } }, { b: { y: 2 } }])
    assert.deepEqual(col('Proc | mv-expand t = AdditionalFields.Tags to typeof(string) | where isnotempty(t)', 't'), ['a', 'b'])
  })
  test('mv-apply runs the subquery per row over the expanded values', () => {
    assert.deepEqual(rows('datatable(id:long, xs:dynamic)[1, dynamic([5, 1, 9]), 2, dynamic([3])] | mv-apply x = xs to typeof(long) on (summarize m = max(x))'), [{ id: 1, xs: [5, 1, 9], m: 9 }, { id: 2, xs: [3], m: 3 }])
  })
  test('parse extracts typed columns; no match gives empty/null', () => {
    assert.deepEqual(rows('Proc | parse ProcessCommandLine with * "-enc " Payload | where isnotempty(Payload) | project Payload'), [{ Payload: 'SQBFAFgA' }])
    assert.deepEqual(rows('print s = "port=443;x" | parse s with "port=" Port:long ";" Rest'), [{ s: 'port=443;x', Port: 443, Rest: 'x' }])
  })
  test('let: scalars, dynamic lists, tabular lets, materialize, user functions', () => {
    assert.deepEqual(col('let bad = dynamic(["cmd.exe", "svchost.exe"]); Proc | where FileName in (bad) | sort by FileName asc', 'FileName'), ['cmd.exe', 'svchost.exe'])
    assert.deepEqual(col('let since = 3h; let T = materialize(Proc | where Timestamp > ago(since)); T | summarize n = count()', 'n'), [3])
    assert.deepEqual(col('let big = (n:long) { Proc | where FileSize > n }; big(90) | count', 'Count'), [2])
    assert.deepEqual(col('let twice = (x:long) { x * 2 }; Net | take 1 | project p = twice(RemotePort)', 'p'), [886])
    assert.deepEqual(col('let devs = Net | where RemotePort == 443 | project DeviceId; Proc | where DeviceId in (devs) | distinct DeviceId', 'DeviceId'), ['d1'])
    assert.deepEqual(col('let n = toscalar(Net | count); print v = n', 'v'), [4])
  })
  test('datatable, evaluate bag_unpack, invoke FileProfile, render, serialize + row_number', () => {
    assert.deepEqual(rows('datatable(id:long, b:dynamic)[1, dynamic({"x": 1}), 2, dynamic({"y": "z"})] | evaluate bag_unpack(b)'), [{ id: 1, x: 1, y: null }, { id: 2, x: null, y: 'z' }])
    const fp = engine().run('Proc | take 1 | invoke FileProfile()')
    assert.ok(fp.columns.some((c) => c.name === 'GlobalPrevalence' && c.type === 'long'))
    assert.deepEqual(col('Net | summarize n = count() by DeviceId | render barchart with (title = "x") | sort by DeviceId asc', 'n'), [2, 1, 1])
    assert.deepEqual(col('Net | sort by RemoteIP asc | serialize rn = row_number()', 'rn'), [1, 2, 3, 4])
  })
  test('open schemas: columns from bag_unpack and pivot can be referenced by name later', () => {
    assert.deepEqual(rows('Proc | evaluate bag_unpack(AdditionalFields) | where isnotempty(User) | summarize n = count() by tostring(User) | sort by User asc'), [{ User: 'alice', n: 2 }, { User: 'system', n: 1 }])
    assert.deepEqual(rows('Proc | evaluate pivot(FileName, sum(FileSize), DeviceName) | project DeviceName, ["cmd.exe"] | sort by DeviceName asc'),
      [{ DeviceName: 'srv.contoso.com', 'cmd.exe': 0 }, { DeviceName: 'ws1.contoso.com', 'cmd.exe': 50 }, { DeviceName: 'ws2.contoso.com', 'cmd.exe': 0 }])
    const t = engine().run('Net | project DeviceId, RemotePort | evaluate pivot(RemotePort)')
    assert.deepEqual(t.columns.map((c) => c.name), ['DeviceId', '443', '53', '80'])
  })
  test('partition runs the subquery per key; top-nested ranks one level', () => {
    assert.deepEqual(rows('Proc | partition by DeviceId (top 1 by Timestamp | project DeviceId, FileName) | sort by DeviceId asc'),
      [{ DeviceId: 'd1', FileName: 'powershell.exe' }, { DeviceId: 'd2', FileName: 'PowerShell.EXE' }, { DeviceId: 'd3', FileName: 'svchost.exe' }])
    assert.deepEqual(rows('Net | top-nested 1 of DeviceId by count()'), [{ DeviceId: 'd1', aggregated_DeviceId: 2 }])
  })
  test('mv-expand with_itemindex', () => {
    assert.deepEqual(rows('print a = dynamic(["x", "y"]) | mv-expand with_itemindex = i a to typeof(string)'), [{ a: 'x', i: 0 }, { a: 'y', i: 1 }])
  })
  test('parse kind=regex and evaluate with a declared output schema', () => {
    assert.deepEqual(rows('Proc | parse kind=regex FileName with Name "\\\\." Ext | project Name, Ext | take 2'), [{ Name: 'powershell', Ext: 'exe' }, { Name: 'cmd', Ext: 'exe' }])
    assert.deepEqual(rows('Proc | project DeviceName, FileName | evaluate pivot(FileName): (DeviceName:string, ["cmd.exe"]:long) | where ["cmd.exe"] > 0'), [{ DeviceName: 'ws1.contoso.com', 'cmd.exe': 1 }])
  })
  test('make-series fills empty bins with the default', () => {
    const r = rows(`Proc | make-series n = count() default = 0 on Timestamp from datetime(${new Date(NOW - 3 * HOUR).toISOString()}) to datetime(${new Date(NOW).toISOString()}) step 1h`)
    assert.deepEqual(r[0]!.n, [1, 1, 1])
  })
  test('externaldata reads only allow-listed URIs', () => {
    const e = engine({ externalData: { 'https://example.test/iocs.csv': 'hash,name\nabc,evil.exe\n' } })
    assert.deepEqual(rows('externaldata(h:string, n:string)["https://example.test/iocs.csv"] with (format="csv", ignoreFirstRecord=true)', e), [{ h: 'abc', n: 'evil.exe' }])
    assert.throws(() => e.run('externaldata(h:string)[@"https://elsewhere.test/x.csv"]'), (err: unknown) => err instanceof KqlRuntimeError && err.code === 'ERR_KQL_EXTERNALDATA_DENIED' && err.column === 1)
  })
  test('a runaway intermediate result stops with ERR_KQL_LIMIT', () => {
    const e = engine({ maxRows: 10 })
    assert.throws(() => e.run('Net | extend k = 1 | join kind=inner (Net | extend k = 1) on k | join kind=inner (Net | extend k = 1) on k'), (err: unknown) => err instanceof KqlRuntimeError && err.code === 'ERR_KQL_LIMIT')
  })
  test('a run past timeoutMs stops with ERR_KQL_TIMEOUT', () => {
    const e = engine({ timeoutMs: -1 }) // already expired: deterministic
    assert.throws(() => e.run('Net | where RemotePort == 443 | count'), (err: unknown) => err instanceof KqlRuntimeError && err.code === 'ERR_KQL_TIMEOUT' && err.message.startsWith('Query exceeded the timeout period.'))
    assert.equal(engine({ timeoutMs: 60000 }).run('Net | count').data[0]![0], 4)
  })
  test('a bound query can be run repeatedly; now() is fixed per run', () => {
    const b = engine().bind('print a = now(), b = now()')
    const t = b.run()
    assert.equal(t.data[0]![0], NOW)
    assert.equal(t.data[0]![0], t.data[1]![0])
    assert.equal(b.run().rowCount, 1)
  })
})

describe('search', () => {
  test('search in (T…) with bare terms and Column:"term"; $table names the source', () => {
    assert.deepEqual(rows('search in (Proc, Net) "whoami" | project $table, DeviceId'), [{ $table: 'Proc', DeviceId: 'd1' }])
    assert.deepEqual(rows('search in (Net) DeviceId:"d2" or "1.1.1.1" | project RemoteIP'), [{ RemoteIP: '8.8.8.8' }, { RemoteIP: '1.1.1.1' }])
    assert.deepEqual(rows('Proc | search "svchost" | project FileName'), [{ FileName: 'svchost.exe' }])
  })
})

describe('find', () => {
  test('find in (…) where: source_, the columns common to all tables, pack_ with the rest', () => {
    const e = engine()
    assert.deepEqual(e.bind('find in (Proc, Net) where DeviceId == "d2"').schema.map((c) => c.name), ['source_', 'Timestamp', 'DeviceId', 'pack_'])
    const r = rows('find in (Proc, Net) where DeviceId == "d2" | sort by source_ asc')
    assert.deepEqual(r.map((x) => [x.source_, (x.pack_ as Record<string, unknown>).RemoteIP ?? (x.pack_ as Record<string, unknown>).FileName]), [['Net', '8.8.8.8'], ['Proc', 'PowerShell.EXE']])
    assert.deepEqual(rows('find withsource=T in (Net) where RemotePort == 53 project T, RemoteIP'), [{ T: 'Net', RemoteIP: '8.8.8.8' }])
  })
})

describe('evaluate ipv4_lookup', () => {
  test('matches the most specific CIDR range; return_unmatched keeps the others', () => {
    const ranges = 'let R = datatable(net:string, name:string)["10.0.0.0/8", "corp", "10.0.0.0/24", "lab", "8.8.8.0/24", "dns"];'
    assert.deepEqual(rows(`${ranges} Net | evaluate ipv4_lookup(R, RemoteIP, net) | project RemoteIP, name | sort by RemoteIP asc`), [{ RemoteIP: '10.0.0.5', name: 'lab' }, { RemoteIP: '8.8.8.8', name: 'dns' }])
    assert.equal(rows(`${ranges} Net | evaluate ipv4_lookup(R, RemoteIP, net, return_unmatched = true)`).length, 4)
  })
})

describe('series and sliding windows', () => {
  test('series_stats and series_decompose_anomalies expand into fn_Arg_suffix columns', () => {
    const e = engine()
    assert.deepEqual(e.bind('print s = dynamic([1, 5, 3]) | extend series_stats(s)').schema.map((c) => `${c.name}:${c.type}`),
      ['s:dynamic', 'series_stats_s_min:real', 'series_stats_s_min_idx:long', 'series_stats_s_max:real', 'series_stats_s_max_idx:long', 'series_stats_s_avg:real', 'series_stats_s_stdev:real', 'series_stats_s_variance:real'])
    const r = rows('print s = dynamic([1, 5, 3]) | extend (mn, mi, mx, mxi, avg) = series_stats(s) | project mn, mi, mx, mxi, avg')
    assert.deepEqual(r, [{ mn: 1, mi: 0, mx: 5, mxi: 1, avg: 3 }])
    assert.deepEqual(e.bind('print s = dynamic([1, 5, 3]) | extend a = series_decompose_anomalies(s)').schema.map((c) => c.name), ['s', 'a', 'series_decompose_anomalies_s_ad_score', 'series_decompose_anomalies_s_baseline'])
  })
  test('sliding_window_counts counts rows and distinct ids over the lookback window per bin', () => {
    const r = rows(`Net | evaluate sliding_window_counts(RemoteIP, Timestamp, datetime(${new Date(NOW - 4 * HOUR).toISOString()}), datetime(${new Date(NOW).toISOString()}), 2h, 1h, DeviceId) | where DeviceId == "d1" | project Count, Dcount`)
    // d1 has two rows at NOW-1h: bins [NOW-4h, NOW-3h) … [NOW-1h, NOW); windows are the 2h ending at each bin's end
    assert.deepEqual(r, [{ Count: 0, Dcount: 0 }, { Count: 0, Dcount: 0 }, { Count: 0, Dcount: 0 }, { Count: 2, Dcount: 2 }])
  })
})
