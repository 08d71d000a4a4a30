import { JwtFormatError } from './errors.js'
import { printable } from './printable.js'

/** A JWT split into its parts; nothing is verified. */
export interface DecodedJwt {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  /** base64url signature, kept for verification; never printed by default. */
  signature: string
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

/**
 * Longest token decoded, in characters. Entra app-only tokens are 1–3 KB and HTTP servers refuse
 * request headers far smaller than this (node: 16 KiB), so anything longer is not a token anyone
 * could have used; refusing it early bounds the work an attacker can ask for.
 */
export const MAX_TOKEN_LENGTH = 64 * 1024

/**
 * Splits and decodes a JWS-compact JWT like jwt.ms does, without checking the signature.
 *
 * Microsoft warns that tokens for its own APIs may be opaque or encrypted (entra-app-only.md §4.1,
 * peers.md §2.4), so the errors say which case applies. Messages never echo the token.
 */
export function decodeJwt(token: string): DecodedJwt {
  if (typeof token !== 'string') throw malformed('token', 'the token is not a string')
  if (token.length > MAX_TOKEN_LENGTH * 2) throw tooLarge(token.length)
  const compact = normalizeToken(token)
  if (compact.length > MAX_TOKEN_LENGTH) throw tooLarge(compact.length)
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
  // RFC 7515 §5.2 / RFC 7519 §4: names must be unique. JSON.parse keeps the last one and other
  // parsers the first, so a duplicate `tid` or `alg` would mean different things to different readers.
  const duplicate = duplicateMember(text)
  if (duplicate !== undefined) throw malformed(part, `the ${part} names ${JSON.stringify(printable(duplicate, 40))} twice`)
  return value as Record<string, unknown>
}

/** The first member name that occurs twice in the top-level object of valid JSON `text`, after unescaping. */
function duplicateMember(text: string): string | undefined {
  const seen = new Set<string>()
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      const start = i
      for (i++; text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++
      if (depth !== 1) continue
      let j = i + 1
      while (j < text.length && /\s/.test(text[j]!)) j++
      if (text[j] !== ':') continue
      const name = JSON.parse(text.slice(start, i + 1)) as string
      if (seen.has(name)) return name
      seen.add(name)
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) depth++
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--
  }
  return undefined
}

function tooLarge(length: number): JwtFormatError {
  return new JwtFormatError('ERR_JWT_TOO_LARGE', `the token is ${length} characters long; access tokens are a few KB (limit ${MAX_TOKEN_LENGTH})`, {
    part: 'token',
    hint: 'Pass the access_token of a token response, not a file or a log.',
  })
}

function malformed(part: 'token' | 'header' | 'payload', message: string, hint?: string): JwtFormatError {
  return new JwtFormatError('ERR_JWT_MALFORMED', `Malformed JWT: ${message}`, { part, ...(hint !== undefined && { hint }) })
}

/** JSON.parse errors quote the input; keep only the error class so no claim text leaks into logs. */
function stripInput(cause: unknown): Error {
  return new Error(cause instanceof Error ? cause.name : 'SyntaxError')
}
