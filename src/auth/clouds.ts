import { M365dError } from '../lib/errors.js'

export type CloudName = 'commercial' | 'gcc' | 'gcc-high' | 'dod'

/** Where to sign in and which API hosts / token audiences to use in one Microsoft cloud. */
export interface Cloud {
  name: CloudName
  /** Identity platform host, no trailing slash, e.g. `https://login.microsoftonline.com`. */
  authorityHost: string
  /** Defender XDR API base URL. */
  defenderApi: string
  /** Token resource (v1 `resource=`, v2 `<resource>/.default`) for the Defender API. */
  defenderResource: string
  /** Microsoft Graph base URL. */
  graphApi: string
  /** Token resource for Microsoft Graph. */
  graphResource: string
}

/**
 * Hosts per cloud (defender-api.md §1.2 from `defender-xdr/usgov.md`; entra-app-only.md §1.3).
 * The gov token audience for the Defender API is NOT documented (defender-api.md §8 q1); like the
 * commercial cloud (audience = API host) and the only code found in the wild, we use the gov API
 * host itself; a tenant that needs another audience passes `resource` to `getToken` explicitly.
 */
export const clouds: Record<CloudName, Cloud> = {
  commercial: {
    name: 'commercial',
    authorityHost: 'https://login.microsoftonline.com',
    defenderApi: 'https://api.security.microsoft.com',
    defenderResource: 'https://api.security.microsoft.com',
    graphApi: 'https://graph.microsoft.com',
    graphResource: 'https://graph.microsoft.com',
  },
  gcc: {
    name: 'gcc',
    authorityHost: 'https://login.microsoftonline.com',
    defenderApi: 'https://api-gcc.security.microsoft.us',
    defenderResource: 'https://api-gcc.security.microsoft.us',
    graphApi: 'https://graph.microsoft.com',
    graphResource: 'https://graph.microsoft.com',
  },
  'gcc-high': {
    name: 'gcc-high',
    authorityHost: 'https://login.microsoftonline.us',
    defenderApi: 'https://api-gov.security.microsoft.us',
    defenderResource: 'https://api-gov.security.microsoft.us',
    graphApi: 'https://graph.microsoft.us',
    graphResource: 'https://graph.microsoft.us',
  },
  dod: {
    name: 'dod',
    authorityHost: 'https://login.microsoftonline.us',
    defenderApi: 'https://api-gov.security.microsoft.us',
    defenderResource: 'https://api-gov.security.microsoft.us',
    graphApi: 'https://dod-graph.microsoft.us',
    graphResource: 'https://dod-graph.microsoft.us',
  },
}

const ALIASES: Record<string, CloudName> = {
  commercial: 'commercial',
  public: 'commercial',
  global: 'commercial',
  azurepubliccloud: 'commercial',
  gcc: 'gcc',
  'gcc-high': 'gcc-high',
  gcchigh: 'gcc-high',
  gcc_high: 'gcc-high',
  usgov: 'gcc-high',
  azureusgovernment: 'gcc-high',
  dod: 'dod',
}

/**
 * Looks a cloud up by name (case-insensitive; `public`/`global` = commercial, `usgov`/`gcchigh` =
 * gcc-high; default commercial) and applies URL overrides — e.g. `authorityHost` = the emulator's URL.
 * Overrides change where requests go, never the token resources: the emulator knows the real App ID URIs.
 */
export function resolveCloud(name?: string, overrides: { authorityHost?: string; defenderApi?: string; graphApi?: string } = {}): Cloud {
  const key = name === undefined || name === '' ? 'commercial' : ALIASES[name.toLowerCase()]
  if (key === undefined)
    throw new M365dError('ERR_CONFIG_CLOUD', `Unknown cloud '${name}'.`, { hint: `Use one of: ${Object.keys(clouds).join(', ')}.` })
  const cloud: Cloud = { ...clouds[key] }
  if (overrides.authorityHost) cloud.authorityHost = trimUrl(overrides.authorityHost, 'authorityHost')
  if (overrides.defenderApi) cloud.defenderApi = trimUrl(overrides.defenderApi, 'defenderApi')
  if (overrides.graphApi) cloud.graphApi = trimUrl(overrides.graphApi, 'graphApi')
  return cloud
}

function trimUrl(value: string, what: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch (cause) {
    throw new M365dError('ERR_CONFIG_URL', `${what} '${value}' is not an absolute URL.`, { hint: 'Use a URL such as https://login.microsoftonline.com or http://127.0.0.1:8080.', cause })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new M365dError('ERR_CONFIG_URL', `${what} '${value}' must be an http(s) URL.`)
  return value.replace(/\/+$/, '')
}
