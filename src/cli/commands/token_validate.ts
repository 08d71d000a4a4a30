import { resolveTenantId } from '../../auth/tenant_discovery.js'
import { formatReport, validateToken } from '../../jwt/validate.js'
import { defineCommand } from '../command.js'
import { credentialOptions, loadConfig } from '../config.js'
import { hasCredentials } from '../credentials.js'
import { CliError, ExitCode } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { readTokenInput } from '../token_input.js'
import { getToken } from './token.js'

export default defineCommand({
  name: 'validate',
  summary: 'Check a token: signature, issuer, audience, tenant, lifetime, client, app-only, roles (exit 1 if a check fails)',
  usage: '[TOKEN|-]',
  description: `
Checks TOKEN (or stdin, or --file) against the configured tenant, client id and resource, and
the roles you require, and explains each failure with its likely cause and fix. Without a TOKEN
but with credentials configured, it first gets a token, so it checks the live setup end to end.

Without --verify-signature only the claims are checked, and anyone can write claims: the report
then says "CLAIMS OK, SIGNATURE NOT CHECKED", never VALID (and "valid": false in --json).
With --verify-signature the signature is checked against the tenant's published keys.
Exit 0 when every check that ran passed, 1 when one failed.`,
  options: {
    ...credentialOptions,
    resource: { type: 'string', valueName: 'URI', description: 'Expected audience resource (M365D_RESOURCE; default the Defender API)' },
    'require-roles': { type: 'string', multiple: true, valueName: 'R1,R2', description: 'Roles the token must carry, comma-separated' },
    'verify-signature': { type: 'boolean', description: "Also verify the signature with the tenant's discovery document + JWKS" },
    file: { type: 'string', valueName: 'FILE', description: 'Read the token from FILE' },
  },
  examples: [
    'm365d token validate --require-roles Incident.Read.All,AdvancedHunting.Read.All',
    'm365d token validate --file Latest-token.txt --tenant c0de0000-0000-4000-8000-000000000002',
    'm365d token | m365d token validate - --verify-signature',
  ],
  async run(ctx) {
    expectPositionals(ctx.positionals, 1, ctx.commandPath)
    if (ctx.positionals[0] === '-' && ctx.values['client-secret-stdin']) {
      throw new CliError('ERR_CLI_CONFLICTING_OPTIONS', 'stdin cannot carry both the token (-) and the client secret (--client-secret-stdin)', {
        hint: 'pass the token with --file FILE, or the secret with --client-secret-file FILE',
      })
    }
    const config = await loadConfig(ctx, ctx.values)
    // `echo TOKEN | m365d token validate`: a piped stdin is the token, even with credentials
    // configured (issue 11 §2). With credentials, a stdin that is not a terminal but sends nothing
    // (a service with an open, idle pipe) is waited for briefly, then ignored, and that is said.
    let token = await readTokenInput({
      positional: ctx.positionals[0],
      file: ctx.values.file,
      io: ctx.io,
      commandPath: ctx.commandPath,
      stdinIfPiped: true,
      ...(hasCredentials(config) && {
        idleStdinMs: 500,
        onIdleStdin: () => ctx.warn(`stdin is not a terminal but sent nothing within 0.5 s: ignored it and validated a newly acquired token (to validate a token from stdin, pass '-': ... | ${ctx.commandPath} -)`),
      }),
    })
    let acquiredTenant: string | undefined
    if (token === undefined) {
      if (!hasCredentials(config)) {
        throw new CliError('ERR_CLI_MISSING_TOKEN', 'no token given and no credentials configured to get one', {
          hint: "pass TOKEN, '-' or --file FILE; or configure M365D_TENANT_ID, M365D_CLIENT_ID and a secret or certificate",
        })
      }
      const acquired = await getToken(ctx, config)
      token = acquired.token
      acquiredTenant = acquired.tenantId
    }
    const requiredRoles = (ctx.values['require-roles'] ?? []).flatMap((r) => r.split(',')).map((r) => r.trim()).filter(Boolean)
    // The tid check compares GUIDs: a domain is resolved through the authority's discovery document.
    const tenant = config.tenant === undefined ? undefined : (acquiredTenant ?? (await resolveTenantId(config.tenant, { authorityHost: config.authorityHost })))
    const report = await validateToken(token, {
      ...(tenant !== undefined && { tenant }),
      resource: config.resource,
      ...(config.clientId !== undefined && { clientId: config.clientId }),
      requiredRoles,
      verifySignature: ctx.values['verify-signature'] === true,
      authorityHost: config.authorityHost,
    })
    // The library names its option; on the command line the fix is the flag.
    for (const c of report.checks) c.message = cliWording(c.message)
    ctx.printJson(report, { text: (r) => cliWording(formatReport(r, { color: ctx.color })) })
    // `valid` needs a verified signature; the exit code answers what was asked: every check that ran passed.
    return report.verdict === 'invalid' ? ExitCode.checkFailed : ExitCode.ok
  },
})

/** The library's advice names `verifySignature`; here the user types `--verify-signature`. */
function cliWording(text: string): string {
  return text.replace(/enable verifySignature \(CLI: --verify-signature\)/g, 'add --verify-signature').replace(/with verifySignature \(CLI: --verify-signature\)/g, 'with --verify-signature')
}
