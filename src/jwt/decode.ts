import { JwtFormatError } from './errors.js'

/** A JWT split into its parts; nothing is verified. */
export interface DecodedJwt {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  /** base64url signature, kept for verification; never printed by default. */
  signature: string
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

/**
 * Splits and decodes a JWS-compact JWT like jwt.ms does, without checking the signature.
 *
 * Microsoft warns that tokens for its own APIs may be opaque or encrypted (entra-app-only.md §4.1,
 * peers.md §2.4), so the errors say which case applies. Messages never echo the token.
 */
export function decodeJwt(token: string): DecodedJwt {
  if (typeof token !== 'string') throw malformed('token', 'the token is not a string')
  const compact = normalizeToken(token)
  if (compact === '') throw malformed('token', 'the token is empty')
  const parts = compact.split('.')
  if (parts.length === 5) {
    throw new JwtFormatError('ERR_JWT_ENCRYPTED', 'the token is an encrypted JWT (JWE, 5 parts); only its audience can read it', {
      part: 'token',
      hint: 'Tokens for Microsoft-owned APIs may be encrypted or opaque; treat them as opaque strings and inspect the token response (expires_in) instead.',
    })
  }
  if (parts.length !== 3) {
    throw malformed(
      'token',
      `the token has ${parts.length} dot-separated part${parts.length === 1 ? '' : 's'}; a JWT has 3 (header.payload.signature)`,
      parts.length === 1 ? 'This is not a JWT: Microsoft may issue opaque tokens for its own APIs (e.g. personal accounts); pass the access_token of a client-credentials response.' : undefined,
    )
  }
  const [h, p, s] = parts as [string, string, string]
  const header = decodePart(h, 'header')
  const payload = decodePart(p, 'payload')
  if (!BASE64URL.test(s)) throw malformed('token', 'the signature part is not base64url')
  return { header, payload, signature: s }
}

/** Users paste tokens with a "Bearer " prefix, quotes or a trailing newline; strip those. */
export function normalizeToken(token: string): string {
  return token.trim().replace(/^Bearer\s+/i, '').replace(/^"(.*)"$/s, '$1').trim()
}

function decodePart(segment: string, part: 'header' | 'payload'): Record<string, unknown> {
  if (segment === '' || !BASE64URL.test(segment) || segment.length % 4 === 1) {
    throw malformed(part, `the ${part} is not base64url`)
  }
  const text = Buffer.from(segment, 'base64url').toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    throw new JwtFormatError('ERR_JWT_MALFORMED', `Malformed JWT: the ${part} is not valid JSON`, { part, cause: stripInput(cause) })
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw malformed(part, `the ${part} is not a JSON object`)
  }
  return value as Record<string, unknown>
}

function malformed(part: 'token' | 'header' | 'payload', message: string, hint?: string): JwtFormatError {
  return new JwtFormatError('ERR_JWT_MALFORMED', `Malformed JWT: ${message}`, { part, ...(hint !== undefined && { hint }) })
}

/** JSON.parse errors quote the input; keep only the error class so no claim text leaks into logs. */
function stripInput(cause: unknown): Error {
  return new Error(cause instanceof Error ? cause.name : 'SyntaxError')
}
