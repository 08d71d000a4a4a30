/**
 * The token endpoint's AADSTS errors: `error`, HTTP status and message template for each code,
 * from entra-app-only.md §3.2/§3.3 ("Real message template" column; statuses marked inferred
 * there follow the `error` value: `invalid_client` → 401, others → 400).
 * Handlers throw {@link TokenRequestError}; token_routes.ts renders it with oauth_error.ts.
 */
export interface TokenErrorSpec {
  status: number
  error: string
  code: number
  message: string
}

export class TokenRequestError extends Error {
  /** The request's correlation id (form, query or header), set by the token route for the error body. */
  correlationId: string | undefined
  constructor(readonly spec: TokenErrorSpec) {
    super(`AADSTS${spec.code}: ${spec.message}`)
  }
}

const CERT_DOCS = 'Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .'

const e = (status: number, error: string, code: number, message: string) => new TokenRequestError({ status, error, code, message })

export const tokenErrors = {
  missingParameter: (name: string) => e(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  unsupportedGrantType: (grantType: string) =>
    e(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`),
  getNotAllowed: (method: string) =>
    e(400, 'invalid_request', 900561, `The endpoint only accepts POST, OPTIONS requests. Received a ${method} request.`),
  tenantNotFound: (tenant: string) =>
    e(
      400,
      'invalid_tenant',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  emptyTenantGuid: (tenant: string) =>
    e(400, 'invalid_tenant', 90002, `Requested tenant identifier '${tenant}' is not valid. Tenant identifiers may not be an empty GUID.`),
  malformedTenant: (tenant: string) =>
    e(400, 'invalid_request', 900023, `Specified tenant identifier '${tenant}' is neither a valid DNS name, nor a valid external domain.`),
  tenantlessEndpoint: () =>
    e(
      400,
      'invalid_request',
      9001023,
      'The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.',
    ),
  appNotFound: (clientId: string, tenant: string) =>
    e(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  appDisabled: (appId: string, displayName: string) => e(400, 'unauthorized_client', 7000112, `Application '${appId}'(${displayName}) is disabled.`),
  noCredential: () => e(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  badSecret: (appId: string) =>
    e(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
    ),
  expiredSecret: (appId: string) =>
    e(
      401,
      'invalid_client',
      7000222,
      `The provided client secret keys for app '${appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    ),
  badAssertionType: () =>
    e(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_assertion_type'."),
  // 50027 is ERRREF's "InvalidJwtToken"; the exact real wording for a client assertion was not found.
  malformedAssertion: () => e(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.'),
  // Wording from memory of real replies, not from a stored source: treat as approximate.
  assertionAppIdMismatch: () =>
    e(401, 'invalid_client', 700021, `Client assertion application identifier doesn't match 'client_id' parameter. ${CERT_DOCS}`),
  subjectMismatch: () => e(401, 'invalid_client', 50048, 'Subject mismatches Issuer claim in the client assertion.'),
  keyNotFound: (thumbprint: string, appId: string) =>
    e(
      401,
      'invalid_client',
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${appId}'. ${CERT_DOCS}]`,
    ),
  badSignature: (thumbprint: string, start: string, end: string) =>
    e(
      401,
      'invalid_client',
      700027,
      `Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '${thumbprint}', Found key 'Start=${start}, End=${end}']`,
    ),
  expiredKey: (thumbprint: string, start: string, end: string) =>
    e(
      401,
      'invalid_client',
      700027,
      `Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${thumbprint}', Found key 'Start=${start}, End=${end}']`,
    ),
  // Legacy text, still the best evidence for an `aud` mismatch: "AADSTS50012: Client assertion
  // audience claim does not match Realm issuer." (AzureAD/azure-activedirectory-library-for-python #79).
  badAudience: () => e(401, 'invalid_client', 50012, 'Client assertion audience claim does not match Realm issuer.'),
  // Real text quoted in zitadel/oidc #887 (2026).
  tooManyAudiences: (n: number) =>
    e(401, 'invalid_client', 5002741, `Number of audience values in the provided client credential exceed maximum allowed. ${n} audience values provided, maximum allowed is 1.`),
  missingJti: () => e(400, 'invalid_request', 50027, "JWT token is invalid or malformed. The client assertion has no 'jti' claim."),
  assertionTimeRange: (now: string, from: string, expiry: string) =>
    e(
      401,
      'invalid_client',
      700024,
      `Client assertion is not within its valid time range. Current time: ${now}, assertion valid from ${from}, expiry time of assertion ${expiry}. ${CERT_DOCS}`,
    ),
  scopeWithoutDefault: (scope: string) =>
    e(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  invalidScope: (scope: string) => e(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`),
  resourceOnV2: () => e(400, 'invalid_request', 901002, "The 'resource' request parameter is not supported."),
  resourceNotFound: (resource: string, tenant: string) =>
    e(
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
}

/** .NET round-trip ("o") format with 7 fractional digits, as in AADSTS700024 messages. */
export function dotnetTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z')
}
