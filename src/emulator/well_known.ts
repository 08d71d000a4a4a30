/**
 * The well-known development set, like Azurite's `devstoreaccount1`: fixed ids, a fixed client
 * secret and a fixed certificate, published here on purpose so that anyone can point a client at a
 * fresh emulator with no configuration. They authenticate only against the emulator; never use
 * them anywhere else. `m365d emulator --print-config` prints this set as JSON.
 */
import type { EmulatorConfig } from './config.js'

export const WELL_KNOWN = {
  /** The partner's own (home) tenant, where the multi-tenant app is registered. */
  homeTenantId: 'a11ce000-0000-4000-8000-000000000001',
  homeTenantDomain: 'm365d-partner.onmicrosoft.com',
  /** Customer consented with every role the app asks for. */
  contosoTenantId: 'c0de0000-0000-4000-8000-000000000002',
  /** Customer consented with every role the app asks for. */
  fabrikamTenantId: 'fab00000-0000-4000-8000-000000000003',
  /** Customer consented, but the admin granted only the hunting roles (no incident or alert permission). */
  tailspinTenantId: '7a115000-0000-4000-8000-000000000004',
  /** Customer that never consented: AADSTS700016 until an admin accepts the consent link. */
  woodgroveTenantId: 'b00d0000-0000-4000-8000-000000000005',
  clientId: 'd3f3e4d0-0000-4000-8000-00000000a001',
  clientSecret: 'm365d~DevSecret.WellKnown_DoNotUseInProduction0',
  /** SHA-1 thumbprint of the well-known certificate (portal form). */
  certificateThumbprint: 'B0B3C72DF8E3D620BEE91F607E372AB60E15566C',
  redirectUri: 'http://localhost:8765/consent/callback',
  certificatePem: `-----BEGIN CERTIFICATE-----
MIIDUTCCAjmgAwIBAgIUCgvg3g+Att6MCKr54FtgBdmdn0swDQYJKoZIhvcNAQEL
BQAwNzE1MDMGA1UEAwwsbTM2NWQgd2VsbC1rbm93biBkZXZlbG9wbWVudCBhcHAg
Y2VydGlmaWNhdGUwIBcNMjYxMTIxMTUwMzAzWhgPMjEyNjEwMjgxNTAzMDNaMDcx
NTAzBgNVBAMMLG0zNjVkIHdlbGwta25vd24gZGV2ZWxvcG1lbnQgYXBwIGNlcnRp
ZmljYXRlMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzEcQzpjTXuPO
GGECJD9LNwxtX8CRseSjzhFSHoGuuiJksbmT2fp9ySeRDSotxpKjekh20DYFHAef
UMdSt+6wq8yPTywVbfnfXEsrXedKMeQyVhZBPVi1dj9ktyAjq6H1wlEZHmdoc/tx
xS8u1coS1Rd6B/iCjwK18SQMlg9AxsYXKd2E2SaLhlAT0LnWl7oiAV95dsDZfkiu
G2K96sGU8ZX5igQ7MN7cjE6zFEP70kKLl1dl9RsYLrlhF3OraL2ElgeyAXsOQ0Tn
7rwJt/qfQ0kkoYS5ubMLAFuIGw09wZS/ve8SnvJdhohxfcv4b6ahveO0FAHXvl3I
PsLQWq7eywIDAQABo1MwUTAdBgNVHQ4EFgQUHa9Oo8NGwBhSzWpYfsS4+4UXkpww
HwYDVR0jBBgwFoAUHa9Oo8NGwBhSzWpYfsS4+4UXkpwwDwYDVR0TAQH/BAUwAwEB
/zANBgkqhkiG9w0BAQsFAAOCAQEAHMAx9CG6wmpz+BSV/RCM9yL+akgJlLweeZHC
OVvRKllVXGbDiKd0eLcvN8phweCjnA2+pfAIwCfJOW36WllN91oD9UIu3etiwsMa
0rpTKyP2OOm42TwrhCFz3J9QC4G0CG6g4ijcukkYPkJ6SiLqqKwkWGKEupK2XGAL
gD8f6TDq4vGEK6Uj36Np1rdK6ctoBpl7crJSKbilxiMp5VyfAHiiHHFPXJ+yv3pa
W8WW7HXU7sfV5u99gFfuZZhps82IG2FnG28wBOj2mj1L7HWVnDmRscH9iiTPHeS9
aJbrp2dgZkU/9ygB1DHmJ8GedoR1u4zUthKwUeuUIomcJfvoPw==
-----END CERTIFICATE-----
`,
  privateKeyPem: `-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDMRxDOmNNe484Y
YQIkP0s3DG1fwJGx5KPOEVIega66ImSxuZPZ+n3JJ5ENKi3GkqN6SHbQNgUcB59Q
x1K37rCrzI9PLBVt+d9cSytd50ox5DJWFkE9WLV2P2S3ICOrofXCURkeZ2hz+3HF
Ly7VyhLVF3oH+IKPArXxJAyWD0DGxhcp3YTZJouGUBPQudaXuiIBX3l2wNl+SK4b
Yr3qwZTxlfmKBDsw3tyMTrMUQ/vSQouXV2X1GxguuWEXc6tovYSWB7IBew5DROfu
vAm3+p9DSSShhLm5swsAW4gbDT3BlL+97xKe8l2GiHF9y/hvpqG947QUAde+Xcg+
wtBart7LAgMBAAECggEAVrdKQrFsdQkWaZHws0ttFfrACVg5YP9yq9z9c7bQYfKM
tUdWpL9pmzUhJaoEkZmZLSVKzptH8vynXEao7iy0sdFd+pl3pV5fu5GrYKr4+5Hn
7lR3MGASdBZ4HibWDZtstKbxl08Fb8rLIo4jfxzPfsb/Bhgv8B6R9sI7V441DMuy
1iHVB/cZOg8pApa8MIQp3GnXTJ59CcMmyCSVSDyjm29Ba8kMPGZhu/AupUwH9OXh
7i1E26esrRY6OLgJtxD4QQfA3xgkrYzhhCH5iqcMMjzukCRkXwVoxDzSUt0ARkgq
YMg1XANr+sGtpcqeoSOd0Dt/zz1mMhWaPPrTsCdjIQKBgQD1EleUR80GXAqrSBUP
PW6IO1Aj2dVx0uNtLn75KeT5yhIUP6MNl4kiSnzRxkXRvMmYkjyUDZqo63WgxLjl
GyQ0XpfpQswGdVdxfS0vXRaJuWCaPkKAPC87TAFsMDdrJcLXK0JqRQAYKwZTP4FU
GyjqeQcx9sBviFWStsWUhOB66wKBgQDVYwgx6XX2GRLr+H1n80N6AOrrtsBHcA9t
dadGvFgn9wcAFNM8HYg53+UBX4/n0BUywFseFkwiA/PFQ9o3ywvEgBNy+dCM4TbQ
iL3+DpoqxiDwxqhPS3yI3gkZmyA35mbHc42RYHx98B8K8CkrwX+d08gVmWswS9Lr
EbCMcF5zoQKBgQCQn3FlhPW+AgUdzRz4cGVRKceCUKPAVxZ1MRInUgzZR+FhZ6h+
deWsgc6lMN+1BTbmva3YJSsW8lTpOg5uzZSQ/x2gvxWN3iNrStamc8XAItCaVZGD
AYFR+emBAfdCWPdhaRr5gZyrpoBGElzs2FZOAHw5hQdNCmSNfyScH8olXwKBgQCx
OdoRkkQdzH9xquWFE37kcqSqdxNFgeXeVIxE7KMPNlUDFUjHsgN1heYueM8Nij5A
84/58izzR3MMUKmKE0LHxlPg92jlyRt8oUWjHz+d7QZo06XwjdJ13muSb8uXge21
E9ztdESRWIB/1i1roP879yxD/DMRXrhj8kI+sglQYQKBgHoGqE8QVgJY8I8T/zPY
q6N3hti1Ip0G/ll8VY4vp4Zx8XtW8G24NSSFmrRsluSw9i16zWe7PWN8sd4ocyLI
0MhNJITtzzYZGQoaHjFyVBloAsx8MsYgp1b1+NgenMWhwS9Tzb4F6TxqtR/GMJm7
zyWF5N93aXvUcfuC5CMKuXJi
-----END PRIVATE KEY-----
`,
} as const

/**
 * What a real MSSP app asks for: Microsoft Graph first (the legacy API stops on 1 Feb 2027,
 * MC1220762), read AND write for incidents and alerts_v2 — triage is written back (PATCH and
 * comments need the ReadWrite roles: learn.microsoft.com/graph/api/security-incident-update,
 * security-alert-update, security-alert-post-comments) — and hunting; the legacy roles only for
 * `--api legacy` while it lasts. A tenant without the write roles is modelled by a narrower grant.
 */
const GRAPH = {
  resource: 'https://graph.microsoft.com',
  roles: ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All', 'SecurityAlert.Read.All', 'SecurityAlert.ReadWrite.All', 'ThreatHunting.Read.All'],
}
const LEGACY = { resource: 'https://api.security.microsoft.com', roles: ['Incident.Read.All', 'Incident.ReadWrite.All', 'AdvancedHunting.Read.All'] }
const ALL_ROLES = [GRAPH, LEGACY]

/** The configuration the emulator starts with when none is given. */
export function wellKnownConfig(): EmulatorConfig {
  return {
    tenants: [
      { id: WELL_KNOWN.homeTenantId, displayName: 'm365d Partner (home)', domains: [WELL_KNOWN.homeTenantDomain] },
      { id: WELL_KNOWN.contosoTenantId, displayName: 'Contoso', domains: ['contoso.onmicrosoft.com', 'contoso.com'] },
      { id: WELL_KNOWN.fabrikamTenantId, displayName: 'Fabrikam', domains: ['fabrikam.onmicrosoft.com'] },
      { id: WELL_KNOWN.tailspinTenantId, displayName: 'Tailspin Toys', domains: ['tailspin.onmicrosoft.com'] },
      { id: WELL_KNOWN.woodgroveTenantId, displayName: 'Woodgrove Bank', domains: ['woodgrove.onmicrosoft.com'] },
    ],
    apps: [
      {
        appId: WELL_KNOWN.clientId,
        displayName: 'm365d demo partner app',
        homeTenant: WELL_KNOWN.homeTenantId,
        signInAudience: 'AzureADMultipleOrgs',
        // The CLI's default (`m365d tenants onboard`: the ops server of `m365d sync` on 9464,
        // docs/sync.md) must be registered too, or the offline walk-through ends in AADSTS50011.
        redirectUris: [WELL_KNOWN.redirectUri, 'http://localhost:9464/consent/callback', 'http://127.0.0.1:9464/consent/callback', 'https://portal.azure.com'],
        requiredResourceAccess: ALL_ROLES,
        secrets: [{ value: WELL_KNOWN.clientSecret, displayName: 'well-known dev secret', expiresAt: '2099-12-31T23:59:59Z' }],
        certificates: [{ certificatePem: WELL_KNOWN.certificatePem, displayName: 'well-known dev certificate' }],
      },
    ],
    grants: [
      // In its home tenant the app may also read its own registration (credential expiry, issue 9 §2).
      { tenant: WELL_KNOWN.homeTenantId, app: WELL_KNOWN.clientId, consent: [{ ...GRAPH, roles: [...GRAPH.roles, 'Application.Read.All'] }, LEGACY] },
      { tenant: WELL_KNOWN.contosoTenantId, app: WELL_KNOWN.clientId, consent: ALL_ROLES },
      { tenant: WELL_KNOWN.fabrikamTenantId, app: WELL_KNOWN.clientId, consent: ALL_ROLES },
      {
        tenant: WELL_KNOWN.tailspinTenantId,
        app: WELL_KNOWN.clientId,
        consent: [
          { resource: 'https://graph.microsoft.com', roles: ['ThreatHunting.Read.All'] },
          { resource: 'https://api.security.microsoft.com', roles: ['AdvancedHunting.Read.All'] },
        ],
      },
    ],
  }
}
