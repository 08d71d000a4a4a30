/** The page every request without a session gets: no tenant data, no script, styles from a file. */
export function loginPage(message?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>m365d console — log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/console/assets/login.css"></head>
<body><main class="login">
<h1>m365d console</h1>
<p>${message ? escapeHtml(message) : 'This console shows customers\u2019 security data, so it needs the login link m365d printed when it started.'}</p>
<p>Look for a line like <code>console: http://127.0.0.1:9464/console/?token=…</code> in the output of <code>m365d sync</code> or <code>npm start</code>, and open that link. Each link logs in once; <code>m365d console url</code> prints a new one.</p>
</main></body></html>`
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
