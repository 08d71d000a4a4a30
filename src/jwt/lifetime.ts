import type { ValidationCheck } from './validate.js'

/**
 * `nbf`/`exp` (and an `iat` in the future) with a clock-skew allowance (entra-app-only.md §5.6 step 4: the skew is a library
 * setting, not an Entra value; 300 s is the common default). Says how long ago a token expired or
 * how long it has left, since "expired" alone does not tell a daemon whether its cache is broken.
 */
export function checkLifetime(payload: Record<string, unknown>, now: number, skewSeconds: number): ValidationCheck {
  const { exp, nbf, iat } = payload
  if (typeof exp !== 'number') return { id: 'lifetime', ok: false, message: 'the token has no numeric "exp" claim' }
  const nowS = now / 1000
  if (typeof nbf === 'number' && nowS < nbf - skewSeconds) {
    return {
      id: 'lifetime',
      ok: false,
      message: `not valid yet: nbf is ${duration(nbf - nowS)} in the future (${iso(nbf)}), beyond the ${skewSeconds} s clock-skew allowance`,
      fix: "This machine's clock is behind the token issuer's; synchronise it (NTP).",
    }
  }
  // iat is informational (RFC 7519 §4.1.6) and Entra-protected APIs do not check it, but a token
  // issued in the future beyond the skew means clocks disagree or the claims were written by hand.
  if (typeof iat === 'number' && nowS < iat - skewSeconds) {
    return {
      id: 'lifetime',
      ok: false,
      message: `issued in the future: iat is ${duration(iat - nowS)} ahead (${iso(iat)}), beyond the ${skewSeconds} s clock-skew allowance`,
      fix: "This machine's clock is behind the token issuer's (synchronise it with NTP), or the token was not issued by the identity platform.",
    }
  }
  const lifetime = typeof iat === 'number' ? `; lifetime ${duration(exp - iat)}` : ''
  if (nowS >= exp + skewSeconds) {
    return {
      id: 'lifetime',
      ok: false,
      message: `expired ${duration(nowS - exp)} ago (exp ${iso(exp)})${lifetime}`,
      // Lifetime is random between 60 and 90 min (entra-app-only.md §8.3), so never assume 3600.
      fix: 'Request a new token; cache tokens by the expires_in of the token response and refresh a few minutes before they expire.',
    }
  }
  if (nowS >= exp) {
    return { id: 'lifetime', ok: true, message: `expired ${duration(nowS - exp)} ago (exp ${iso(exp)}), within the ${skewSeconds} s clock-skew allowance` }
  }
  return { id: 'lifetime', ok: true, message: `valid for another ${duration(exp - nowS)} (until ${iso(exp)})${lifetime}` }
}

/** "45 s", "12 min", "2 h 5 min", "3 d 4 h". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 120) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 120) return `${m} min`
  const h = Math.floor(m / 60)
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`
  const d = Math.floor(h / 24)
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString()
}
