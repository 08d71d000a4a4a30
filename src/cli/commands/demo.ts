import { certificateCredential } from '../../auth/credentials.js'
import { TokenProvider } from '../../auth/token_provider.js'
import { createEmulator } from '../../emulator/app.js'
import { serve } from '../../emulator/server.js'
import { WELL_KNOWN } from '../../emulator/well_known.js'
import { formatReport, validateToken, type ValidationReport } from '../../jwt/validate.js'
import { M365dError } from '../../lib/errors.js'
import { defineCommand, type CommandContext } from '../command.js'
import { expectPositionals, parsePort } from '../parse.js'

/**
 * What the demo's (imaginary) MSSP integration needs in every customer tenant, on Microsoft Graph —
 * the surface every tenant must be on by 1 Feb 2027 (MC1220762): incidents, alerts_v2, hunting.
 */
export const DEMO_ROLES = ['SecurityIncident.Read.All', 'SecurityAlert.Read.All', 'ThreatHunting.Read.All']
const GRAPH = 'https://graph.microsoft.com'

const TENANTS = [
  { name: 'home', tenantId: WELL_KNOWN.homeTenantId, domain: WELL_KNOWN.homeTenantDomain, credential: 'secret' },
  { name: 'contoso', tenantId: WELL_KNOWN.contosoTenantId, domain: 'contoso.onmicrosoft.com', credential: 'secret' },
  { name: 'fabrikam', tenantId: WELL_KNOWN.fabrikamTenantId, domain: 'fabrikam.onmicrosoft.com', credential: 'certificate' },
  { name: 'tailspin', tenantId: WELL_KNOWN.tailspinTenantId, domain: 'tailspin.onmicrosoft.com', credential: 'secret' },
  { name: 'woodgrove', tenantId: WELL_KNOWN.woodgroveTenantId, domain: 'woodgrove.onmicrosoft.com', credential: 'secret' },
] as const

export interface TenantResult {
  name: string
  tenantId: string
  domain: string
  credential: 'secret' | 'certificate'
  ok: boolean
  report?: ValidationReport
  error?: Record<string, unknown>
}

export default defineCommand({
  name: 'demo',
  summary: 'Start the emulator and check app-only access to five tenants (the first part of `npm start`)',
  description: `
Starts the emulator in-process on a free port with the well-known set, then, as an MSSP app
would, gets a Microsoft Graph token for each tenant from one multi-tenant token provider per
credential (client secret; certificate for fabrikam) and validates it against the roles the
integration needs (${DEMO_ROLES.join(', ')}): home, contoso and fabrikam pass, tailspin lacks
the incident and alert roles, woodgrove never consented (AADSTS700016, with the consent link as the fix). Exits 0
when the demo ran; the failures are the point.`,
  options: {
    port: { type: 'string', valueName: 'N', description: 'Emulator port (default 0: a free one)' },
  },
  examples: ['m365d demo', 'm365d demo --json'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 0, ctx.commandPath)
    const port = parsePort(ctx.values.port, 0)
    const server = await ctx.feedback.step('Starting the emulator', async () => serve(await createEmulator(), { port }))
    let results: TenantResult[]
    try {
      results = await tokenChecks(ctx, server.url)
    } finally {
      await server.close()
    }
    if (ctx.json) return void ctx.printJson({ emulator: server.url, requiredRoles: DEMO_ROLES, tenants: results })
    // The emulator of this run is gone once the command exits: point at one that stays up.
    ctx.print('Next: m365d emulator (keep it running), then m365d token / m365d token validate against it.')
  },
})

/**
 * The token checks against a running emulator at `url`: printed as they complete (unless
 * `ctx.json`) and returned. `m365d start` runs them against its own, long-lived emulator.
 */
export async function tokenChecks(ctx: CommandContext, url: string): Promise<TenantResult[]> {
  const common = { clientId: WELL_KNOWN.clientId, authorityHost: url }
  const providers = {
    secret: new TokenProvider({ ...common, credential: { kind: 'secret', secret: WELL_KNOWN.clientSecret } }),
    certificate: new TokenProvider({ ...common, credential: certificateCredential(WELL_KNOWN.certificatePem, WELL_KNOWN.privateKeyPem) }),
  }
  const results: TenantResult[] = []
  try {
    if (!ctx.json) {
      ctx.print(`m365d demo: emulator on ${url} (well-known set), app ${WELL_KNOWN.clientId}`)
      ctx.print(`Each tenant: get a token for ${GRAPH}, then validate it (signature via the emulator's JWKS) for ${DEMO_ROLES.join(' + ')}.`)
    }
    for (const t of TENANTS) {
      const result: TenantResult = { ...t, ok: false }
      try {
        const token = await providers[t.credential].getToken({ tenant: t.domain, resource: GRAPH })
        result.report = await validateToken(token.token, {
          tenant: t.tenantId,
          resource: GRAPH,
          clientId: WELL_KNOWN.clientId,
          requiredRoles: DEMO_ROLES,
          verifySignature: true,
          authorityHost: url,
        })
        result.ok = result.report.valid
      } catch (e) {
        if (!(e instanceof M365dError)) throw e
        result.error = e.toJSON()
      }
      results.push(result)
      if (!ctx.json) printTenant(ctx, result)
    }
  } finally {
    providers.secret.close()
    providers.certificate.close()
  }
  if (!ctx.json) {
    const failing = results.filter((r) => !r.ok)
    ctx.print('')
    ctx.print(`${results.length - failing.length} of ${results.length} tenants ready; ${failing.map((r) => `${r.name}: ${why(r)}`).join('; ') || 'none failing'}.`)
  }
  return results
}

function printTenant(ctx: { print(text: string): void; color: boolean }, r: TenantResult): void {
  ctx.print('')
  ctx.print(`── ${r.name} (${r.domain}, ${r.tenantId}) via client ${r.credential} ──`)
  if (r.report) {
    ctx.print(formatReport(r.report, { color: ctx.color }).trimEnd())
    return
  }
  ctx.print(`error ${String(r.error?.code)}: ${String(r.error?.message)}`)
  if (r.error?.hint !== undefined) ctx.print(`hint: ${String(r.error.hint)}`)
}

function why(r: TenantResult): string {
  if (r.report) return r.report.missingRoles.length ? `missing ${r.report.missingRoles.join(', ')}` : (r.report.checks.find((c) => !c.ok)?.message ?? 'invalid')
  const codes = r.error?.errorCodes
  return Array.isArray(codes) && codes.length ? `AADSTS${codes[0]}` : String(r.error?.code)
}
