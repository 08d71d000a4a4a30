import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parseForm, readTokenForm } from '../../../src/emulator/identity/form.js'
import { parseBasicAuth } from '../../../src/emulator/identity/client_auth.js'

describe('tolerant token form parsing', () => {
  test('MSAL raw values: spaces, | and , survive; + is a space; first occurrence wins', () => {
    const { values } = parseForm('x-ms-lib-capability=retry-after, h429&x-client-current-telemetry=5|771,2,,,|,&scope=a+b&scope=ignored&flag')
    assert.equal(values.get('x-ms-lib-capability'), 'retry-after, h429')
    assert.equal(values.get('x-client-current-telemetry'), '5|771,2,,,|,')
    assert.equal(values.get('scope'), 'a b')
    assert.equal(values.get('flag'), '')
  })

  test('malformed percent escapes are kept literally, good ones decoded; raw value kept', () => {
    const { values, raw } = parseForm('client_secret=50%25off%zz%2B&empty=')
    assert.equal(values.get('client_secret'), '50%off%zz+')
    assert.equal(raw.get('client_secret'), '50%25off%zz%2B')
    assert.equal(values.get('empty'), '')
  })

  test('a JSON body is not a form: no parameters', async () => {
    const form = await readTokenForm(new Request('http://e.test/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials"}' }))
    assert.equal(form.isForm, false)
    assert.equal(form.values.size, 0)
    const ok = await readTokenForm(new Request('http://e.test/', { method: 'POST', headers: { 'content-type': 'Application/X-WWW-Form-Urlencoded; charset=UTF-8' }, body: 'grant_type=client_credentials' }))
    assert.equal(ok.values.get('grant_type'), 'client_credentials')
  })

  test('HTTP Basic: urlencoded id and secret (RFC 6749 §2.3.1); junk → undefined', () => {
    const header = `Basic ${Buffer.from(`${encodeURIComponent('id:1')}:${encodeURIComponent('s+e:c ret%')}`).toString('base64')}`
    assert.deepEqual(parseBasicAuth(header), { clientId: 'id:1', secret: 's+e:c ret%' })
    assert.equal(parseBasicAuth('Bearer abc'), undefined)
    assert.equal(parseBasicAuth(`Basic ${Buffer.from('nocolon').toString('base64')}`), undefined)
    assert.equal(parseBasicAuth(null), undefined)
  })
})
