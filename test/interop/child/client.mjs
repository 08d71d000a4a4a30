// Runs one Microsoft client library against the emulator, in a fresh Node process so that
// NODE_EXTRA_CA_CERTS (read only at start-up) makes the emulator's local CA trusted.
// Input: one JSON argument. Output: one JSON line {ok, claims?, expiresOn?, error?}.

const input = JSON.parse(process.argv[2])

function claimsOf(token) {
  const [, payload] = token.split('.')
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
}

async function msal() {
  // Imported lazily: loading only the library under test halves the child's start-up time.
  const { ConfidentialClientApplication } = await import('@azure/msal-node')
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: input.clientId,
      authority: input.authority,
      ...(input.knownAuthorities && { knownAuthorities: input.knownAuthorities }),
      ...(input.cloudDiscoveryMetadata && { cloudDiscoveryMetadata: input.cloudDiscoveryMetadata }),
      ...(input.clientSecret && { clientSecret: input.clientSecret }),
      ...(input.clientCertificate && { clientCertificate: input.clientCertificate }),
    },
    ...(input.redirectInstanceDiscoveryTo && { system: { networkClient: redirectingClient(input.redirectInstanceDiscoveryTo) } }),
  })
  const results = []
  for (let i = 0; i < (input.repeat ?? 1); i++) {
    const r = await app.acquireTokenByClientCredential({ scopes: input.scopes })
    results.push({ fromCache: r.fromCache, token: r.accessToken })
  }
  return { claims: claimsOf(results[0].token), fromCache: results.map((r) => r.fromCache), expiresOn: null }
}

/**
 * MSAL's documented network extension point (system.networkClient), used only to send the one
 * request MSAL hard-codes to login.microsoftonline.com (instance discovery) to the emulator
 * instead; everything else goes to the URL MSAL chose, unchanged.
 */
function redirectingClient(emulatorOrigin) {
  const send = async (url, options, method) => {
    const target = url.replace(/^https:\/\/login\.microsoftonline\.com/, emulatorOrigin)
    const res = await fetch(target, { method, headers: options?.headers, body: options?.body })
    const headers = {}
    res.headers.forEach((v, k) => (headers[k] = v))
    return { headers, body: await res.json(), status: res.status }
  }
  return {
    sendGetRequestAsync: (url, options) => send(url, options, 'GET'),
    sendPostRequestAsync: (url, options) => send(url, options, 'POST'),
  }
}

async function identity() {
  const { ClientCertificateCredential, ClientSecretCredential } = await import('@azure/identity')
  const options = { authorityHost: input.authorityHost, ...(input.disableInstanceDiscovery && { disableInstanceDiscovery: true }) }
  const credential = input.clientSecret
    ? new ClientSecretCredential(input.tenantId, input.clientId, input.clientSecret, options)
    : new ClientCertificateCredential(input.tenantId, input.clientId, { certificate: input.certificate }, { ...options, ...(input.sendCertificateChain && { sendCertificateChain: true }) })
  const token = await credential.getToken(input.scopes)
  return { claims: claimsOf(token.token), expiresOn: token.expiresOnTimestamp }
}

try {
  const result = input.library === 'msal' ? await msal() : await identity()
  console.log(JSON.stringify({ ok: true, ...result }))
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: { name: e?.name, errorCode: e?.errorCode, message: String(e?.message ?? e).slice(0, 600) } }))
}
