import { certificateCredentialFromFiles, type ClientCredential } from '../auth/credentials.js'
import type { CliConfig } from './config.js'
import { ConfigError } from './errors.js'

/** What a command needs to get tokens: every piece present and checked. */
export interface AppCredentials {
  tenant: string
  clientId: string
  credential: ClientCredential
}

/** Whether enough is configured to get a token (used by `token validate` without a TOKEN). */
export function hasCredentials(config: CliConfig): boolean {
  return config.tenant !== undefined && config.clientId !== undefined && config.credential !== undefined
}

/**
 * Turns the resolved configuration into a credential, or explains precisely which setting is
 * missing. Certificate files are read here, so an unreadable file fails with the library's
 * `ERR_CREDENTIAL_UNREADABLE` (exit 2) before any request is sent.
 */
export async function requireCredentials(config: CliConfig, commandPath: string, options: { tenantOptional?: boolean } = {}): Promise<AppCredentials> {
  if (config.clientId === undefined) {
    throw new ConfigError('ERR_CONFIG_MISSING_CLIENT_ID', `${commandPath} needs the application (client) id`, {
      hint: 'set M365D_CLIENT_ID, store it with m365d config set clientId GUID, or pass --client-id GUID',
    })
  }
  if (config.tenant === undefined && !options.tenantOptional) {
    throw new ConfigError('ERR_CONFIG_MISSING_TENANT', `${commandPath} needs a tenant`, {
      hint: 'set M365D_TENANT_ID, store it with m365d config set tenantId GUID|DOMAIN, or pass --tenant GUID|DOMAIN',
    })
  }
  if (config.credential === undefined) {
    throw new ConfigError('ERR_CONFIG_MISSING_CREDENTIAL', `${commandPath} needs a client secret or a certificate`, {
      hint: 'set M365D_CLIENT_SECRET (or --client-secret-file / --client-secret-stdin, or m365d config set clientSecretFile FILE), or M365D_CERTIFICATE_PATH (or --certificate FILE)',
    })
  }
  const credential: ClientCredential =
    config.credential.kind === 'secret'
      ? { kind: 'secret', secret: config.credential.secret }
      : await certificateCredentialFromFiles(config.credential.certificatePath, config.credential.privateKeyPath)
  return { tenant: config.tenant ?? '', clientId: config.clientId, credential }
}

