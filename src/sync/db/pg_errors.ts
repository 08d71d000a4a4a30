/**
 * PostgreSQL connection failures with the server's own message on the error line and the fix for
 * the common causes (issue 11: "database does not exist" was only visible with --debug). SQLSTATE
 * codes from https://www.postgresql.org/docs/current/errcodes-appendix.html; socket codes from
 * Node (ECONNREFUSED, ENOTFOUND, ETIMEDOUT).
 */
export interface PgFailure {
  code: string
  message: string
  hint: string
}

/** Message and hint for a failed connect to `url` (`shown` is the URL with its password redacted). */
export function describeConnectFailure(url: string, shown: string, cause: unknown): PgFailure {
  const u = safeUrl(url)
  const host = u?.hostname || 'localhost'
  const port = u?.port || '5432'
  const user = decodeURIComponent(u?.username || '') || process.env.PGUSER || 'postgres'
  const database = decodeURIComponent((u?.pathname ?? '').replace(/^\//, '')) || user
  const where = `PostgreSQL at ${shown}`
  const e = (cause ?? {}) as { code?: string; message?: string; errors?: { code?: string }[] }
  // Node's AggregateError (IPv4 + IPv6 both refused) carries the codes in `errors`.
  const code = e.code ?? e.errors?.find((x) => x.code)?.code
  const server = (e.message || code || 'connection failed').replace(/\s+/g, ' ').trim()
  switch (code) {
    case '3D000':
      return { code: 'ERR_DB_NOT_FOUND', message: `cannot connect to ${where}: ${server}`, hint: `create it: createdb -h ${host} -p ${port} -U ${user} ${database} (or point --database-url / M365D_DATABASE_URL at an existing database)` }
    case '28P01':
    case '28000':
      return { code: 'ERR_DB_AUTH', message: `cannot connect to ${where}: ${server}`, hint: `check the user and password in the URL (postgres://USER:PASSWORD@${host}:${port}/${database}) and that pg_hba.conf allows this user from this host` }
    case 'ECONNREFUSED':
      return { code: 'ERR_DB_UNREACHABLE', message: `cannot connect to ${where}: connection refused on ${host}:${port}`, hint: `is PostgreSQL running and listening there? check with: pg_isready -h ${host} -p ${port}` }
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { code: 'ERR_DB_UNREACHABLE', message: `cannot connect to ${where}: host ${host} not found (${code})`, hint: 'check the host name in --database-url / M365D_DATABASE_URL' }
    case '53300':
      return { code: 'ERR_DB_UNREACHABLE', message: `cannot connect to ${where}: ${server}`, hint: 'the server has no free connections: lower --concurrency of the workers or raise max_connections' }
    case '57P03':
      return { code: 'ERR_DB_UNREACHABLE', message: `cannot connect to ${where}: ${server}`, hint: 'the server is starting up or shutting down: retry in a moment' }
    default:
      return {
        code: 'ERR_DB_UNREACHABLE',
        message: `cannot connect to ${where}: ${server}`,
        hint: /timeout/i.test(server)
          ? `no answer from ${host}:${port}: check the host, the port and any firewall in between`
          : 'check --database-url / M365D_DATABASE_URL (postgres://user@host:5432/db) and that the server is running',
      }
  }
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url)
  } catch {
    return undefined
  }
}
