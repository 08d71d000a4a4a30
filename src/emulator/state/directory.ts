import { createHash, randomBytes, randomUUID, timingSafeEqual, X509Certificate } from 'node:crypto'
import { redirectUriProblem } from './redirect_uri.js'
import { builtInResources } from './resources.js'
import type {
  AppRegistration,
  RequiredResourceAccess,
  ResourceApp,
  ServicePrincipal,
  StoredCertificate,
  StoredSecret,
  Tenant,
} from './types.js'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isGuid(value: string): boolean {
  return GUID.test(value)
}

/** Thrown by directory operations on bad input; the control API turns it into a 400/404. */
export class DirectoryError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The emulator's directory: tenants, app registrations, first-party resources, service
 * principals created by admin consent, and the app roles granted in each tenant.
 * All lookups are O(1) maps; ids are stored lower-case.
 */
export class Directory {
  readonly tenants = new Map<string, Tenant>()
  readonly #domains = new Map<string, string>()
  readonly apps = new Map<string, AppRegistration>()
  readonly resources = new Map<string, ResourceApp>()
  readonly #resourceByUri = new Map<string, ResourceApp>()
  /** key `${tenantId}|${appId}` */
  readonly servicePrincipals = new Map<string, ServicePrincipal>()
  /** key `${tenantId}|${clientAppId}|${resourceAppId}` → granted role values */
  readonly grants = new Map<string, Set<string>>()

  /** `now` is the emulator's clock, so secret validity and creation times follow a controlled clock. */
  constructor(private readonly now: () => number = Date.now) {
    for (const r of builtInResources()) this.addResource(r)
  }

  // --- tenants ---

  addTenant(input: { id?: string; displayName?: string; domains?: string[] }): Tenant {
    const id = (input.id ?? randomUUID()).toLowerCase()
    if (!isGuid(id)) throw new DirectoryError(400, `tenant id '${id}' is not a GUID`)
    if (this.tenants.has(id)) throw new DirectoryError(409, `tenant ${id} already exists`)
    const domains = (input.domains ?? []).map((d) => d.toLowerCase())
    for (const d of domains) {
      if (this.#domains.has(d)) throw new DirectoryError(409, `domain ${d} is already verified in another tenant`)
    }
    const tenant: Tenant = { id, displayName: input.displayName ?? `Tenant ${id.slice(0, 8)}`, domains }
    this.tenants.set(id, tenant)
    for (const d of domains) this.#domains.set(d, id)
    return tenant
  }

  /** Resolves a `{tenant}` path segment: a GUID or a verified domain. */
  resolveTenant(segment: string): Tenant | undefined {
    const s = segment.toLowerCase()
    return this.tenants.get(s) ?? this.tenants.get(this.#domains.get(s) ?? '')
  }

  removeTenant(id: string): void {
    const tenant = this.tenants.get(id.toLowerCase())
    if (!tenant) throw new DirectoryError(404, `tenant ${id} not found`)
    for (const d of tenant.domains) this.#domains.delete(d)
    this.tenants.delete(tenant.id)
    for (const key of [...this.servicePrincipals.keys()]) if (key.startsWith(`${tenant.id}|`)) this.servicePrincipals.delete(key)
    for (const key of [...this.grants.keys()]) if (key.startsWith(`${tenant.id}|`)) this.grants.delete(key)
  }

  // --- resources ---

  addResource(resource: ResourceApp): void {
    this.resources.set(resource.appId.toLowerCase(), resource)
    for (const uri of resource.identifierUris) this.#resourceByUri.set(normalizeUri(uri), resource)
  }

  /**
   * Finds a resource by App ID URI (with or without trailing slash, case-insensitive) or by appId.
   * v1 tokens may carry either form as `aud` (entra-app-only.md §4.3).
   */
  resolveResource(identifier: string): ResourceApp | undefined {
    return this.resources.get(identifier.toLowerCase()) ?? this.#resourceByUri.get(normalizeUri(identifier))
  }

  // --- apps ---

  addApp(input: {
    appId?: string
    displayName?: string
    homeTenantId: string
    signInAudience?: AppRegistration['signInAudience']
    enabled?: boolean
    redirectUris?: string[]
    requiredResourceAccess?: { resource: string; roles: string[] }[]
  }): AppRegistration {
    const appId = (input.appId ?? randomUUID()).toLowerCase()
    if (!isGuid(appId)) throw new DirectoryError(400, `appId '${appId}' is not a GUID`)
    if (this.apps.has(appId)) throw new DirectoryError(409, `app ${appId} already exists`)
    const home = this.resolveTenant(input.homeTenantId)
    if (!home) throw new DirectoryError(404, `home tenant ${input.homeTenantId} not found`)
    checkRedirectUris(input.redirectUris ?? [])
    const requiredResourceAccess: RequiredResourceAccess[] = (input.requiredResourceAccess ?? []).map((r) => {
      const resource = this.resolveResource(r.resource)
      if (!resource) throw new DirectoryError(400, `unknown resource '${r.resource}'`)
      for (const role of r.roles) {
        if (!resource.appRoles.some((ar) => ar.value === role))
          throw new DirectoryError(400, `resource '${resource.displayName}' has no application permission '${role}'`)
      }
      return { resourceAppId: resource.appId, roles: [...r.roles] }
    })
    const app: AppRegistration = {
      appId,
      displayName: input.displayName ?? `App ${appId.slice(0, 8)}`,
      homeTenantId: home.id,
      signInAudience: input.signInAudience ?? 'AzureADMultipleOrgs',
      enabled: input.enabled ?? true,
      redirectUris: [...(input.redirectUris ?? [])],
      requiredResourceAccess,
      secrets: [],
      certificates: [],
    }
    this.apps.set(appId, app)
    // The home tenant always has the app's service principal (created with the registration).
    this.ensureServicePrincipal(home.id, appId)
    return app
  }

  app(appId: string): AppRegistration | undefined {
    return this.apps.get(appId.toLowerCase())
  }

  #requireApp(appId: string): AppRegistration {
    const app = this.app(appId)
    if (!app) throw new DirectoryError(404, `app ${appId} not found`)
    return app
  }

  /** Adds a client secret; returns its value once (like the portal). */
  addSecret(appId: string, input: { value?: string; displayName?: string; startsAt?: number; expiresAt?: number } = {}): { keyId: string; value: string; secret: StoredSecret } {
    const app = this.#requireApp(appId)
    // Same alphabet and length as portal-generated secrets (40 chars, includes ~ . _ -).
    const value = input.value ?? randomSecretValue()
    const salt = randomBytes(16).toString('hex')
    const now = this.now()
    const secret: StoredSecret = {
      keyId: randomUUID(),
      displayName: input.displayName ?? 'secret',
      hint: value.slice(0, 3),
      hash: hashSecret(salt, value),
      salt,
      startsAt: input.startsAt ?? now - 60_000,
      expiresAt: input.expiresAt ?? now + 730 * 86_400_000,
    }
    app.secrets.push(secret)
    return { keyId: secret.keyId, value, secret }
  }

  removeSecret(appId: string, keyId: string): void {
    const app = this.#requireApp(appId)
    const before = app.secrets.length
    app.secrets = app.secrets.filter((s) => s.keyId !== keyId)
    if (app.secrets.length === before) throw new DirectoryError(404, `secret ${keyId} not found on app ${appId}`)
  }

  /** `expired` only when the value matches a secret whose validity ended (AADSTS7000222). */
  verifySecret(appId: string, value: string, now: number): 'ok' | 'expired' | 'invalid' {
    const app = this.app(appId)
    if (!app) return 'invalid'
    let expired = false
    for (const s of app.secrets) {
      const a = Buffer.from(hashSecret(s.salt, value), 'hex')
      const b = Buffer.from(s.hash, 'hex')
      if (a.length === b.length && timingSafeEqual(a, b)) {
        if (now >= s.startsAt && now < s.expiresAt) return 'ok'
        expired = true
      }
    }
    return expired ? 'expired' : 'invalid'
  }

  addCertificate(appId: string, input: { certificatePem: string; displayName?: string }): StoredCertificate {
    const app = this.#requireApp(appId)
    let x509: X509Certificate
    try {
      x509 = new X509Certificate(input.certificatePem)
    } catch {
      throw new DirectoryError(400, 'certificatePem is not a PEM X.509 certificate')
    }
    const der = x509.raw
    const cert: StoredCertificate = {
      keyId: randomUUID(),
      displayName: input.displayName ?? x509.subject.replace(/\n/g, ', '),
      thumbprintSha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
      thumbprintSha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
      certificatePem: x509.toString(),
      publicKeyPem: x509.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      startsAt: Date.parse(x509.validFrom),
      expiresAt: Date.parse(x509.validTo),
    }
    app.certificates.push(cert)
    return cert
  }

  removeCertificate(appId: string, keyId: string): void {
    const app = this.#requireApp(appId)
    const before = app.certificates.length
    app.certificates = app.certificates.filter((c) => c.keyId !== keyId)
    if (app.certificates.length === before) throw new DirectoryError(404, `certificate ${keyId} not found on app ${appId}`)
  }

  /**
   * Looks a registered certificate up by the assertion header's `x5t` (base64url SHA-1, padded or
   * not — the docs' own example is padded, entra-app-only.md §2.2) or `x5t#S256`.
   */
  findCertificate(appId: string, header: { x5t?: string; 'x5t#S256'?: string }): StoredCertificate | undefined {
    const app = this.app(appId)
    if (!app) return undefined
    const sha1 = header.x5t ? b64urlToHex(header.x5t) : undefined
    const sha256 = header['x5t#S256'] ? b64urlToHex(header['x5t#S256']) : undefined
    return app.certificates.find((c) => (sha1 && c.thumbprintSha1 === sha1) || (sha256 && c.thumbprintSha256 === sha256))
  }

  // --- service principals and consent ---

  servicePrincipal(tenantId: string, appId: string): ServicePrincipal | undefined {
    return this.servicePrincipals.get(`${tenantId.toLowerCase()}|${appId.toLowerCase()}`)
  }

  ensureServicePrincipal(tenantId: string, appId: string): ServicePrincipal {
    const key = `${tenantId.toLowerCase()}|${appId.toLowerCase()}`
    let sp = this.servicePrincipals.get(key)
    if (!sp) {
      sp = { objectId: randomUUID(), appId: appId.toLowerCase(), tenantId: tenantId.toLowerCase(), createdAt: this.now() }
      this.servicePrincipals.set(key, sp)
    }
    return sp
  }

  /**
   * Admin consent: creates the app's service principal in the tenant and grants the roles it
   * requests (all of its requiredResourceAccess, or `only` when given, as a partial grant).
   */
  consent(tenantId: string, appId: string, only?: { resource: string; roles: string[] }[]): ServicePrincipal {
    const tenant = this.resolveTenant(tenantId)
    if (!tenant) throw new DirectoryError(404, `tenant ${tenantId} not found`)
    const app = this.#requireApp(appId)
    if (app.signInAudience === 'AzureADMyOrg' && app.homeTenantId !== tenant.id)
      throw new DirectoryError(400, `app ${app.appId} is single-tenant and cannot be consented in tenant ${tenant.id}`)
    const sp = this.ensureServicePrincipal(tenant.id, app.appId)
    const wanted = only
      ? only.map((o) => {
          const resource = this.resolveResource(o.resource)
          if (!resource) throw new DirectoryError(400, `unknown resource '${o.resource}'`)
          return { resourceAppId: resource.appId, roles: o.roles }
        })
      : app.requiredResourceAccess
    for (const r of wanted) this.setRoles(tenant.id, app.appId, r.resourceAppId, r.roles)
    return sp
  }

  /** Removes the service principal and every grant of the app in the tenant. */
  revokeConsent(tenantId: string, appId: string): void {
    const tenant = this.resolveTenant(tenantId)
    if (!tenant) throw new DirectoryError(404, `tenant ${tenantId} not found`)
    const key = `${tenant.id}|${appId.toLowerCase()}`
    if (!this.servicePrincipals.delete(key)) throw new DirectoryError(404, `app ${appId} has no service principal in tenant ${tenant.id}`)
    for (const k of [...this.grants.keys()]) if (k.startsWith(`${key}|`)) this.grants.delete(k)
  }

  /** Replaces the roles granted to an app on a resource in a tenant (an empty list removes them). */
  setRoles(tenantId: string, appId: string, resource: string, roles: string[]): void {
    const res = this.resolveResource(resource)
    if (!res) throw new DirectoryError(400, `unknown resource '${resource}'`)
    for (const role of roles) {
      if (!res.appRoles.some((r) => r.value === role))
        throw new DirectoryError(400, `resource '${res.displayName}' has no application permission '${role}'`)
    }
    const key = `${tenantId.toLowerCase()}|${appId.toLowerCase()}|${res.appId}`
    if (roles.length === 0) this.grants.delete(key)
    else this.grants.set(key, new Set(roles))
  }

  /** Roles granted to the client app on the resource in the tenant, in the resource's role order. */
  rolesFor(tenantId: string, clientAppId: string, resourceAppId: string): string[] {
    const set = this.grants.get(`${tenantId.toLowerCase()}|${clientAppId.toLowerCase()}|${resourceAppId.toLowerCase()}`)
    if (!set) return []
    const resource = this.resources.get(resourceAppId.toLowerCase())
    const order = resource?.appRoles.map((r) => r.value) ?? []
    return [...set].sort((a, b) => order.indexOf(a) - order.indexOf(b))
  }
}

export function hashSecret(salt: string, value: string): string {
  return createHash('sha256').update(salt).update(value, 'utf8').digest('hex')
}

function randomSecretValue(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-'
  const bytes = randomBytes(40)
  let out = ''
  for (const b of bytes) out += alphabet[b % alphabet.length]
  return out
}

function normalizeUri(uri: string): string {
  return uri.trim().replace(/\/+$/, '').toLowerCase()
}

function b64urlToHex(value: string): string {
  const b64 = value.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')
  return Buffer.from(b64, 'base64').toString('hex').toUpperCase()
}

/** Registration refuses what Entra refuses: a `javascript:` or other non-http(s) URI, http off loopback, … */
export function checkRedirectUris(uris: readonly string[]): void {
  for (const uri of uris) {
    const problem = redirectUriProblem(uri)
    if (problem) throw new DirectoryError(400, `redirect URI '${uri.slice(0, 100)}' ${problem}`)
  }
}
