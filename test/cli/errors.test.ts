import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CredentialError, TokenError, TokenNetworkError } from '../../src/auth/errors.js'
import { CliError, ExitCode, exitCodeFor } from '../../src/cli/errors.js'
import { RetriesExhaustedError } from '../../src/defender/errors.js'
import { JwtFormatError } from '../../src/jwt/errors.js'
import { M365dError } from '../../src/lib/errors.js'

describe('exitCodeFor: the documented exit codes', () => {
  test('usage and configuration → 2', () => {
    assert.equal(exitCodeFor(new CliError('ERR_CLI_UNKNOWN_OPTION', 'x')), ExitCode.usage)
    assert.equal(exitCodeFor(new CredentialError('ERR_CREDENTIAL_UNREADABLE', 'x')), ExitCode.usage)
    assert.equal(exitCodeFor(new JwtFormatError('ERR_JWT_MALFORMED', 'x', { part: 'token' })), ExitCode.usage)
    assert.equal(exitCodeFor(new M365dError('ERR_CONFIG_URL', 'x')), ExitCode.usage)
  })

  test('server answers → 3', () => {
    assert.equal(exitCodeFor(new TokenError('AADSTS700016: …', { status: 400, errorCodes: [700016] })), ExitCode.server)
    assert.equal(exitCodeFor(new M365dError('ERR_HTTP_FORBIDDEN', 'x')), ExitCode.server)
    assert.equal(exitCodeFor(new RetriesExhaustedError({ attempts: 5, method: 'GET', url: 'https://x.test/api/incidents', lastStatus: 503 })), ExitCode.server)
  })

  test('retries that never reached the server → 4 (network), like the docs say', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    assert.equal(exitCodeFor(new RetriesExhaustedError({ attempts: 5, method: 'GET', url: 'https://x.test/api/incidents', cause: refused })), ExitCode.network)
  })

  test('network and timeouts → 4, including fetch TypeErrors', () => {
    assert.equal(exitCodeFor(new TokenNetworkError('x', {})), ExitCode.network)
    assert.equal(exitCodeFor(new M365dError('ERR_HTTP_TIMEOUT', 'x')), ExitCode.network)
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })
    assert.equal(exitCodeFor(new TypeError('fetch failed', { cause: refused })), ExitCode.network)
    assert.equal(exitCodeFor(new DOMException('The operation timed out.', 'TimeoutError')), ExitCode.network)
  })

  test('anything else is a bug → 5', () => {
    assert.equal(exitCodeFor(new TypeError("Cannot read properties of undefined (reading 'x')")), ExitCode.internal)
    assert.equal(exitCodeFor('a string'), ExitCode.internal)
  })
})
