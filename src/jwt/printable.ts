/**
 * A value from a token (a claim, a header field) made safe to put in a message: control characters
 * (ANSI escapes, newlines that would forge report lines) are escaped and long values cut, since
 * every byte of an unverified token is attacker-controlled and reports go to terminals and logs.
 */
export function printable(value: unknown, max = 120): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)
  // eslint-disable-next-line no-control-regex
  const safe = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return safe.length > max ? `${safe.slice(0, max)}… (${text.length} characters)` : safe
}
