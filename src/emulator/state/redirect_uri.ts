import { isLoopback } from '../access.js'

/**
 * Redirect URIs an app registration may hold (Learn, "Redirect URI (reply URL) outline and
 * restrictions", https://learn.microsoft.com/entra/identity-platform/reply-url): https, or http
 * only for a loopback host; at most 256 characters; none of `! $ ' ( ) , ;`. Returns the problem,
 * or undefined when the URI is acceptable.
 */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.length > 256) return 'is longer than 256 characters'
  let parsed: URL
  try {
    parsed = new URL(uri)
  } catch {
    return 'is not an absolute URI'
  }
  if (parsed.protocol === 'https:') return /[!$'(),;]/.test(uri) ? "contains a character Entra does not allow (! $ ' ( ) , ;)" : undefined
  if (parsed.protocol === 'http:') {
    if (!isLoopback(parsed.hostname)) return 'uses http for a host other than localhost (Entra allows http only for localhost)'
    return /[!$'(),;]/.test(uri) ? "contains a character Entra does not allow (! $ ' ( ) , ;)" : undefined
  }
  return `uses the scheme '${parsed.protocol.slice(0, -1).slice(0, 20)}' (only https, or http for localhost)`
}
