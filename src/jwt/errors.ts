import { M365dError } from '../lib/errors.js'

/**
 * The string handed to {@link decodeJwt} is not a readable JWS-compact JWT.
 *
 * `code` is `ERR_JWT_MALFORMED` (not three parts, bad base64url, bad JSON, a member named twice),
 * `ERR_JWT_ENCRYPTED` (a five-part JWE, which only its audience can read) or `ERR_JWT_TOO_LARGE`
 * (longer than `MAX_TOKEN_LENGTH`). The message names the failing part, never the token itself.
 */
export class JwtFormatError extends M365dError {
  /** Which part failed: the whole string, the header or the payload. */
  readonly part: 'token' | 'header' | 'payload'

  constructor(
    code: 'ERR_JWT_MALFORMED' | 'ERR_JWT_ENCRYPTED' | 'ERR_JWT_TOO_LARGE',
    message: string,
    options: { part: 'token' | 'header' | 'payload'; hint?: string; cause?: unknown },
  ) {
    super(code, message, options)
    this.part = options.part
  }
}
