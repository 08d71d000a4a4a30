import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { KqlSemanticError } from '../../src/kql/index.js'
import { engine, schemaOf } from './helpers.js'

const e = engine()
const fails = (q: string, code: string, line: number, column: number, message?: string): void => {
  assert.throws(() => e.bind(q), (err: unknown) => {
    assert.ok(err instanceof KqlSemanticError, String(err))
    assert.equal(err.code, code)
    assert.deepEqual([err.line, err.column], [line, column])
    if (message) assert.ok(err.message.startsWith(message), err.message)
    return true
  })
}

describe('binder: result schemas named like Kusto', () => {
  test('summarize: by-columns first, count_, dcount_X, set_X, bin() keeps the column name', () => {
    assert.deepEqual(schemaOf('Proc | summarize count(), dcount(DeviceId), make_set(FileName), Total = sum(FileSize) by DeviceName, bin(Timestamp, 1h)'),
      ['DeviceName:string', 'Timestamp:datetime', 'count_:long', 'dcount_DeviceId:long', 'set_FileName:dynamic', 'Total:long'])
  })
  test('arg_max(x, *) expands to the input columns without duplicating by-columns; explicit args get suffixes', () => {
    assert.deepEqual(schemaOf('Proc | summarize arg_max(Timestamp, *) by DeviceId'),
      ['DeviceId:string', 'Timestamp:datetime', 'DeviceName:string', 'FileName:string', 'ProcessCommandLine:string', 'FileSize:long', 'AdditionalFields:dynamic'])
    assert.deepEqual(schemaOf('Proc | summarize arg_max(Timestamp, FileName) by bin(Timestamp, 1d)'), ['Timestamp:datetime', 'Timestamp1:datetime', 'FileName:string'])
  })
  test('unnamed expressions: Column1…, FirstArgument names (tostring, bin), strlen_X, path names', () => {
    assert.deepEqual(schemaOf('Proc | project tolower(FileName), strlen(FileName), tostring(AdditionalFields.User), AdditionalFields["Tags"], FileSize * 2'),
      ['Column1:string', 'strlen_FileName:long', 'AdditionalFields_User:string', 'AdditionalFields_Tags:dynamic', 'Column2:long'])
  })
  test('extend replaces a same-named column in place (with its new type)', () => {
    assert.deepEqual(schemaOf('Proc | project DeviceId, FileSize | extend DeviceId = 1, x = "a"'), ['DeviceId:long', 'FileSize:long', 'x:string'])
  })
  test('join: duplicate right-side names get a numeric suffix; semi/anti keep one side', () => {
    assert.deepEqual(schemaOf('Proc | project DeviceId, Timestamp | join (Net) on DeviceId'),
      ['DeviceId:string', 'Timestamp:datetime', 'Timestamp1:datetime', 'DeviceId1:string', 'RemoteIP:string', 'RemotePort:int'])
    assert.deepEqual(schemaOf('Proc | project DeviceId | join kind=leftanti Net on DeviceId'), ['DeviceId:string'])
    assert.deepEqual(schemaOf('Proc | join kind=rightsemi Net on DeviceId'), ['Timestamp:datetime', 'DeviceId:string', 'RemoteIP:string', 'RemotePort:int'])
  })
  test('lookup drops the right key column', () => {
    assert.deepEqual(schemaOf('Proc | project DeviceId, FileName | lookup (Net | project DeviceId, RemoteIP) on DeviceId'), ['DeviceId:string', 'FileName:string', 'RemoteIP:string'])
  })
  test('project-rename, project-reorder, project-away with wildcards, count, distinct', () => {
    assert.deepEqual(schemaOf('Net | project-rename Ip = RemoteIP | project-reorder Ip, Remote* | project-away Time*'), ['Ip:string', 'RemotePort:int', 'DeviceId:string'])
    assert.deepEqual(schemaOf('Net | count'), ['Count:long'])
    assert.deepEqual(schemaOf('Net | distinct DeviceId, RemotePort'), ['DeviceId:string', 'RemotePort:int'])
  })
  test('union (outer) merges columns by name; withsource adds the table column first', () => {
    assert.deepEqual(schemaOf('union withsource=Src (Proc | project DeviceId, FileName), (Net | project DeviceId, RemoteIP)'), ['Src:string', 'DeviceId:string', 'FileName:string', 'RemoteIP:string'])
  })
  test('union of same-named columns with different types gives Name_type columns', () => {
    assert.deepEqual(schemaOf('union (Proc | project DeviceId, x = FileSize), (Net | project DeviceId, x = tostring(RemotePort))'), ['DeviceId:string', 'x_long:long', 'x_string:string'])
  })
  test('a three-way join numbers duplicates across both sides (Timestamp2)', () => {
    assert.deepEqual(schemaOf('Net | project Timestamp, DeviceId | join (Net | project Timestamp, DeviceId | join (Net | project Timestamp, DeviceId) on DeviceId) on DeviceId'),
      ['Timestamp:datetime', 'DeviceId:string', 'Timestamp2:datetime', 'DeviceId2:string', 'Timestamp1:datetime', 'DeviceId1:string'])
  })
  test('TimeGenerated is an alias of Timestamp', () => {
    assert.deepEqual(schemaOf('Net | where TimeGenerated > ago(1d) | project TimeGenerated'), ['TimeGenerated:datetime'])
  })
  test('types: iff widens numerics, case unifies, datetime arithmetic, toint/tolong/todouble', () => {
    assert.deepEqual(schemaOf('Proc | project a = iff(true, 1, 2.5), b = now() - Timestamp, c = Timestamp + 1h, d = toint("1"), e = todouble(FileSize), f = FileSize / 2, g = datetime_diff("day", now(), Timestamp)'),
      ['a:real', 'b:timespan', 'c:datetime', 'd:int', 'e:real', 'f:long', 'g:long'])
  })
})

describe('binder: errors before evaluation, with position', () => {
  test('unknown column', () => fails('Proc\n| where Foo == 1', 'ERR_KQL_UNKNOWN_COLUMN', 2, 9, "Failed to resolve scalar expression named 'Foo'"))
  test('unknown column in project-away', () => fails('Proc | project-away Nope', 'ERR_KQL_UNKNOWN_COLUMN', 1, 21))
  test('unknown table', () => fails('let x = 1;\nNoSuchTable | take 1', 'ERR_KQL_UNKNOWN_TABLE', 2, 1, "Failed to resolve table or column expression named 'NoSuchTable'"))
  test('unknown function', () => fails('Proc | extend x = frobnicate(FileName)', 'ERR_KQL_UNKNOWN_FUNCTION', 1, 19))
  test('wrong argument count', () => fails('Proc | extend x = strlen()', 'ERR_KQL_ARGUMENTS', 1, 19))
  test('type errors: string + string, non-boolean where', () => {
    fails('Proc | extend x = FileName + "a"', 'ERR_KQL_TYPE', 1, 19)
    fails('Proc | where FileSize', 'ERR_KQL_TYPE', 1, 14)
  })
  test('join key missing on one side', () => fails('Proc | join Net on RemoteIP', 'ERR_KQL_UNKNOWN_COLUMN', 1, 20))
  test('aggregate outside summarize', () => fails('Proc | extend c = count()', 'ERR_KQL_TYPE', 1, 19))
})
