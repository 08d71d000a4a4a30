import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HOUR, NOW, rows, scalar } from './helpers.js'

const DAY = 24 * HOUR

describe('string operators (Kusto semantics)', () => {
  test('has matches whole terms, case-insensitively; has_cs is case-sensitive', () => {
    assert.equal(scalar('"powershell.exe -enc AAA" has "enc"'), true)
    assert.equal(scalar('"powershell.exe -encoded" has "enc"'), false)
    assert.equal(scalar('"powershell.exe -enc AAA" has "-enc"'), true)
    assert.equal(scalar('"North America" has "america"'), true)
    assert.equal(scalar('"North America" has_cs "america"'), false)
    assert.equal(scalar('"North America" !has "merica"'), true)
    assert.equal(scalar('"C:\\\\Windows\\\\System32" has @"windows\\system32"'), true)
  })
  test('hasprefix/hassuffix work on term boundaries', () => {
    assert.equal(scalar('"hello worldwide" hasprefix "wor"'), true)
    assert.equal(scalar('"hello worldwide" hassuffix "wide"'), true)
    assert.equal(scalar('"hello worldwide" hasprefix "orld"'), false)
  })
  test('contains/startswith/endswith are case-insensitive unless _cs', () => {
    assert.equal(scalar('"PowerShell.EXE" contains "shell"'), true)
    assert.equal(scalar('"PowerShell.EXE" contains_cs "shell"'), false)
    assert.equal(scalar('"PowerShell.EXE" startswith "power"'), true)
    assert.equal(scalar('"PowerShell.EXE" endswith ".exe"'), true)
    assert.equal(scalar('"PowerShell.EXE" !endswith ".exe"'), false)
  })
  test('=~ and in~ ignore case; == and in do not', () => {
    assert.equal(scalar('"ABC" =~ "abc"'), true)
    assert.equal(scalar('"ABC" == "abc"'), false)
    assert.equal(scalar('"ABC" in~ ("x", "abc")'), true)
    assert.equal(scalar('"ABC" in ("x", "abc")'), false)
    assert.equal(scalar('"ABC" !in ("x", "abc")'), true)
  })
  test('in lists may mix constants and columns of the row', () => {
    assert.deepEqual(rows('Proc | where "cmd.exe" in (FileName, "nope") | project DeviceId'), [{ DeviceId: 'd1' }])
    assert.deepEqual(rows('Proc | where "alice" in (AdditionalFields.User) | count'), [{ Count: 2 }])
  })
  test('has_any / has_all with literal lists and dynamic arrays', () => {
    assert.equal(scalar('"cmd.exe /c whoami" has_any ("whoami", "net")'), true)
    assert.equal(scalar('"cmd.exe /c whoami" has_all ("whoami", "net")'), false)
    assert.equal(scalar('"cmd.exe /c whoami" has_any (dynamic(["WHOAMI"]))'), true)
  })
  test('matches regex (RE2 syntax with inline (?i))', () => {
    assert.equal(scalar('"abc123.exe" matches regex @"^[a-z]{3}\\d+\\.exe$"'), true)
    assert.equal(scalar('"ABC" matches regex "(?i)abc"'), true)
  })
})

describe('nulls and empties', () => {
  test('isempty treats "" and null as empty; isnull only null', () => {
    assert.equal(scalar('isempty("")'), true)
    assert.equal(scalar('isnull("")'), false)
    assert.equal(scalar('isnull(long(null))'), true)
    assert.equal(scalar('isnotempty(" ")'), true)
  })
  test('arithmetic and comparison propagate null', () => {
    assert.equal(scalar('long(null) + 1'), null)
    assert.equal(scalar('long(null) > 1'), null)
    assert.equal(scalar('1 / 0'), null)
  })
  test('tostring(null) is the empty string; toint of garbage is null', () => {
    assert.equal(scalar('tostring(long(null))'), '')
    assert.equal(scalar('toint("abc")'), null)
    assert.equal(scalar('toint("42")'), 42)
  })
})

describe('dynamic', () => {
  test('parse_json, member access, indexing (negative too), array_length, bag_keys', () => {
    assert.equal(scalar('parse_json(\'{"a": {"b": [10, 20, 30]}}\').a.b[1]'), 20)
    assert.equal(scalar('parse_json(\'{"a": {"b": [10, 20, 30]}}\')["a"]["b"][-1]'), 30)
    assert.equal(scalar('array_length(dynamic([1, 2, 3]))'), 3)
    assert.deepEqual(scalar('bag_keys(dynamic({"x": 1, "y": 2}))'), ['x', 'y'])
    assert.equal(scalar('parse_json("not json")'), 'not json')
    assert.equal(scalar('dynamic({"a": 1}).missing'), null)
  })
  test('pack/bag_pack, pack_array, set functions, strcat_array, split', () => {
    assert.deepEqual(scalar('bag_pack("k", 1, "v", "x")'), { k: 1, v: 'x' })
    assert.deepEqual(scalar('pack_array(1, "a")'), [1, 'a'])
    assert.deepEqual(scalar('set_union(dynamic([1, 2]), dynamic([2, 3]))'), [1, 2, 3])
    assert.deepEqual(scalar('set_difference(dynamic([1, 2, 3]), dynamic([2]))'), [1, 3])
    assert.equal(scalar('set_has_element(dynamic(["a"]), "a")'), true)
    assert.equal(scalar('strcat_array(dynamic(["a", "b"]), "-")'), 'a-b')
    assert.deepEqual(scalar('split("a.b.c", ".")'), ['a', 'b', 'c'])
    assert.equal(scalar('tostring(split("a.b.c", ".")[1])'), 'b')
  })
})

describe('datetime and timespan', () => {
  test('bin on datetimes floors to the bin size from the epoch', () => {
    assert.equal(scalar('bin(datetime(2024-05-06 13:47:12), 1h)'), Date.parse('2024-05-06T13:00:00Z'))
    assert.equal(scalar('bin(datetime(2024-05-06 13:47:12), 1d)'), Date.parse('2024-05-06T00:00:00Z'))
    // 7-day bins start on Mondays: Kusto counts from 0001-01-01, not from 1970-01-01 (a Thursday)
    assert.equal(scalar('bin(datetime(2024-05-08 13:00), 7d)'), Date.parse('2024-05-06T00:00:00Z'))
    assert.equal(scalar('bin(17, 5)'), 15)
    assert.equal(scalar('bin(90m, 1h)'), HOUR)
  })
  test('ago/now, startofday, datetime_diff, datetime_add, format_datetime, todatetime', () => {
    assert.equal(scalar('ago(1d)'), NOW - DAY)
    assert.equal(scalar('startofday(now())'), Date.parse('2026-03-01T00:00:00Z'))
    assert.equal(scalar('datetime_diff("day", datetime(2024-01-10), datetime(2024-01-01))'), 9)
    assert.equal(scalar('datetime_diff("week", datetime(2024-05-05), datetime(2024-05-04))'), 1) // Sunday starts a week
    assert.equal(scalar('datetime_add("month", 1, datetime(2024-01-31))'), Date.parse('2024-02-29T00:00:00Z'))
    assert.equal(scalar('format_datetime(datetime(2024-01-02 03:04:05), "yyyy-MM-dd HH:mm:ss")'), '2024-01-02 03:04:05')
    assert.equal(scalar('todatetime("2024-01-02T03:04:05Z")'), Date.parse('2024-01-02T03:04:05Z'))
    assert.equal(scalar('tostring(datetime(2024-01-02 03:04:05))'), '2024-01-02T03:04:05.0000000Z')
    assert.equal(scalar('tostring(1d + 2h)'), '1.02:00:00')
  })
})

describe('other scalar functions', () => {
  test('iff/case/coalesce, strcat, substring, indexof, replace_string, replace_regex, extract, extract_all', () => {
    assert.equal(scalar('iff(1 > 2, "a", "b")'), 'b')
    assert.equal(scalar('case(1 > 2, "a", 2 > 1, "b", "c")'), 'b')
    assert.equal(scalar('coalesce("", "x")'), 'x')
    assert.equal(scalar('strcat("a", 1, true)'), 'a1true')
    assert.equal(scalar('substring("abcdef", 2, 3)'), 'cde')
    assert.equal(scalar('indexof("abcdef", "cd")'), 2)
    assert.equal(scalar('replace_string("a-b-c", "-", "+")'), 'a+b+c')
    assert.equal(scalar('replace_regex("a1b22", @"\\d+", "#")'), 'a#b#')
    assert.equal(scalar('extract(@"(\\d+)\\.(\\d+)", 2, "v 10.25")'), '25')
    assert.deepEqual(scalar('extract_all(@"(\\d+)", "a1b22c333")'), ['1', '22', '333'])
    assert.equal(scalar('tolower("AbC")'), 'abc')
    assert.equal(scalar('trim(" ", "  x  ")'), 'x')
    assert.equal(scalar('strlen("héllo")'), 5)
  })
  test('network, encoding, hashing, url/path parsing', () => {
    assert.equal(scalar('ipv4_is_private("10.1.2.3")'), true)
    assert.equal(scalar('ipv4_is_private("8.8.8.8")'), false)
    assert.equal(scalar('ipv4_is_in_range("192.168.1.77", "192.168.1.0/24")'), true)
    assert.equal(scalar('base64_decode_tostring("aGVsbG8=")'), 'hello')
    assert.equal(scalar('hash_sha256("abc")'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    assert.equal(scalar('parse_url("https://a.example.com:8443/p/q?x=1#f").Host'), 'a.example.com')
    assert.equal(scalar('parse_path(@"C:\\Windows\\System32\\cmd.exe").Filename'), 'cmd.exe')
  })
  test('math: round, floor, abs, integer division', () => {
    assert.equal(scalar('round(2.567, 2)'), 2.57)
    assert.equal(scalar('round(-2.5)'), -3)
    assert.equal(scalar('floor(17, 5)'), 15)
    assert.equal(scalar('abs(-3)'), 3)
    assert.equal(scalar('7 / 2'), 3)
    assert.equal(scalar('7 / 2.0'), 3.5)
  })
})
