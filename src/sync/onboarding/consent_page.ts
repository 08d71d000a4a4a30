import type { ConsentOutcome } from './consent_requests.js'

/**
 * The page the customer's admin lands on after the admin-consent redirect: styled like the
 * identity platform's consent page (the emulator's reproduces it), no scripts, nothing from another
 * origin, every value escaped, never framed.
 */
const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
}

const STYLE = `*{box-sizing:border-box}body{margin:0;font:15px/1.5 "Segoe UI",system-ui,-apple-system,sans-serif;background:#f2f2f2;color:#1b1b1b}
main{max-width:560px;margin:40px auto;background:#fff;padding:32px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
.brand{font-size:13px;color:#605e5c;margin:0 0 16px}h1{font-size:24px;font-weight:600;margin:0 0 8px}
.ok{border-left:4px solid #107c10;padding:8px 12px;background:#dff6dd}.bad{border-left:4px solid #a80000;padding:8px 12px;background:#fde7e9}
.muted{color:#605e5c;font-size:13px}code{font:12px/1.4 Consolas,monospace;background:#f3f2f1;padding:1px 4px}`

const REJECTED: Record<Extract<ConsentOutcome, { outcome: 'rejected' }>['reason'], string> = {
  unknown_state: 'This consent response does not match a link issued by this partner (unknown state).',
  expired: 'This consent link has expired.',
  used: 'This consent link was already used.',
  missing_state: 'The consent response carries no state.',
  invalid: 'The consent response is incomplete (admin_consent=True with a tenant id expected).',
  wrong_tenant: 'This consent link was issued for another organization; it cannot add this one.',
  removed: 'The partner removed this organization from its list; a consent link cannot add it back. Ask the partner to add it again.',
  not_verified: 'The partner could not get access to this organization with the consent just given. If you granted it a moment ago, reload this page in a minute; otherwise ask the partner for a new link.',
}

export function consentResultPage(o: ConsentOutcome): Response {
  const [status, title, text, ok] =
    o.outcome === 'granted'
      ? [200, 'Consent recorded', `Your organization (${o.tenantId}) ${o.added ? 'was added' : 'is connected'}; the partner's service starts reading its security incidents within seconds. You can close this page.`, true]
      : o.outcome === 'received'
        ? [200, 'Consent received', 'Thank you: the permissions were granted. Your partner will see the change when they next check your organization. You can close this page.', true]
        : o.outcome === 'declined'
          ? [200, 'Consent declined', `The administrator declined consent (${o.error}${o.description ? `: ${o.description}` : ''}). Nothing was added; ask the partner for a new link to try again.`, false]
          : [o.reason === 'not_verified' ? 503 : 400, 'Consent link not accepted', `${REJECTED[o.reason]}${o.reason === 'not_verified' ? '' : ' Ask the partner for a new link (m365d tenants onboard).'}`, false]
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
<p class="brand">Microsoft 365 Defender &middot; partner onboarding (m365d)</p>
<h1>${escapeHtml(title)}</h1>
<p class="${ok ? 'ok' : 'bad'}">${escapeHtml(text)}</p>
</main></body></html>
`
  return new Response(html, { status, headers: HEADERS })
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
