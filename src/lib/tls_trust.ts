/**
 * Recognises a `fetch` failure caused by a server certificate Node does not trust (self-signed,
 * unknown CA, wrong name, expired). It is the first thing a user of `m365d emulator --https` meets
 * before trusting the emulator's local CA, so it gets its own hint instead of "check the network".
 */
const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

export const TLS_TRUST_HINT =
  "The server's TLS certificate is not trusted: for the emulator, start Node with NODE_EXTRA_CA_CERTS=<ca.pem> (the path `m365d emulator --https` prints); behind a TLS-inspecting proxy, trust its CA the same way."

/** True for `fetch`'s `TypeError('fetch failed')` whose cause (or the error itself) has a TLS trust code. */
export function isTlsTrustError(e: unknown): boolean {
  const code = (e as { cause?: { code?: unknown } } | undefined)?.cause?.code ?? (e as { code?: unknown } | undefined)?.code
  return typeof code === 'string' && TLS_TRUST_CODES.has(code)
}
