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

/** A statement the server refused (pg's and PGlite's DatabaseError): SQLSTATE `code` and `severity`. */
interface ServerError {
  code: string
  severity: string
  message: string
  detail?: string
  hint?: string
}

function isServerError(e: unknown): e is ServerError {
  const x = e as Partial<ServerError> | null
  return typeof x?.code === 'string' && /^[0-9A-Z]{5}$/.test(x.code) && typeof x.severity === 'string' && typeof x.message === 'string'
}

/**
 * Message and fix for an error the server raised on a statement once connected (permission denied,
 * read-only replica, disk full…): the server's message, its DETAIL and SQLSTATE on the error line,
 * the fix by SQLSTATE class, and the server's own HINT when it gave one. Undefined for anything that
 * is not a server error. Without this such errors reached the user as "ERR_INTERNAL … a bug in m365d".
 */
export function describeServerError(cause: unknown): PgFailure | undefined {
  if (!isServerError(cause)) return undefined
  const e = cause
  const message = `PostgreSQL refused the statement: ${e.message}${e.detail ? ` (${e.detail})` : ''} [SQLSTATE ${e.code}]`
  const fix = (code: string, hint: string): PgFailure => ({ code, message, hint: e.hint ? `${hint}; the server says: ${e.hint}` : hint })
  const cls = e.code.slice(0, 2)
  if (e.code === '42501')
    return fix('ERR_DB_PERMISSION', "the database user lacks a privilege m365d needs (it creates and updates its own tables): as the owner, GRANT CREATE, USAGE ON SCHEMA public TO that user, or use the database owner's user in --database-url / M365D_DATABASE_URL")
  if (e.code === '25006') return fix('ERR_DB_READ_ONLY', 'the server is read-only (a standby, or default_transaction_read_only): point --database-url / M365D_DATABASE_URL at the primary')
  if (e.code === '42P01' || e.code === '42703' || e.code === '42883') return fix('ERR_DB_SCHEMA', "m365d's tables are missing or from another version: check that --database-url names the database m365d set up, and that no one dropped its tables")
  if (cls === '53') return fix('ERR_DB_RESOURCES', 'the server is out of a resource (disk, memory or connections): free it or raise the limit, then retry')
  if (e.code === '57014') return fix('ERR_DB_TIMEOUT', "a statement timed out (statement_timeout): retry, or raise statement_timeout for m365d's user")
  if (cls === '08' || cls === '57' || cls === '40') return fix('ERR_DB_UNAVAILABLE', 'the server dropped the connection or the transaction (restart, failover, deadlock): retry the command')
  return fix('ERR_DB_SERVER', 'see the server message; --debug prints the full error')
}
