/** The emulator's directory model: tenants, app registrations, service principals and grants. */

export interface Tenant {
  /** Lower-case GUID. */
  id: string
  displayName: string
  /** Verified domain names (lower-case), usable instead of the GUID in `/{tenant}/…` URLs. */
  domains: string[]
}

export interface StoredSecret {
  keyId: string
  displayName: string
  /** First three characters, as the portal shows them ("hint"). */
  hint: string
  /** Hex SHA-256 of `salt + value`; the value itself is never stored. */
  hash: string
  salt: string
  /** Epoch ms. */
  startsAt: number
  expiresAt: number
}

export interface StoredCertificate {
  keyId: string
  displayName: string
  /** Upper-case hex SHA-1 of the DER certificate, as the portal shows it. */
  thumbprintSha1: string
  /** Upper-case hex SHA-256 of the DER certificate. */
  thumbprintSha256: string
  certificatePem: string
  /** SPKI PEM of the certificate's public key. */
  publicKeyPem: string
  startsAt: number
  expiresAt: number
}

export interface RequiredResourceAccess {
  /** Resource appId (GUID). */
  resourceAppId: string
  /** Application permissions (app role values) the app asks for. */
  roles: string[]
}

export interface AppRegistration {
  appId: string
  displayName: string
  homeTenantId: string
  signInAudience: 'AzureADMyOrg' | 'AzureADMultipleOrgs'
  enabled: boolean
  redirectUris: string[]
  requiredResourceAccess: RequiredResourceAccess[]
  secrets: StoredSecret[]
  certificates: StoredCertificate[]
}

export interface AppRole {
  id: string
  value: string
  displayName: string
}

/** A resource API (first-party, present in every tenant). */
export interface ResourceApp {
  appId: string
  displayName: string
  /** App ID URIs, without trailing slash; the first one is canonical. */
  identifierUris: string[]
  /** 1 → v1 tokens (`iss` = `https://sts.windows.net/{tid}/`), 2 → v2 tokens. */
  accessTokenAcceptedVersion: 1 | 2
  appRoles: AppRole[]
}

export interface ServicePrincipal {
  objectId: string
  appId: string
  tenantId: string
  createdAt: number
}
