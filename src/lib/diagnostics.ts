import diagnostics_channel from 'node:diagnostics_channel'

/**
 * Every `node:diagnostics_channel` channel the library publishes on. The library never logs;
 * the CLI and the daemon subscribe and turn these into logs, progress and metrics, and tests
 * subscribe to assert behaviour. Messages never carry tokens or secrets.
 */
export const channels = {
  /** A token request is sent: `{ tenant, clientId, resource, endpointVersion, authority }`. */
  tokenRequest: diagnostics_channel.channel('m365d:token:request'),
  /** A token response was processed: `{ tenant, clientId, resource, expiresAt, durationMs }` or `{ …, error }`. */
  tokenResponse: diagnostics_channel.channel('m365d:token:response'),
  /** The provider served a cached token: `{ key, expiresAt }`. */
  tokenCacheHit: diagnostics_channel.channel('m365d:token:cache-hit'),
  /** A background or forced refresh started / failed: `{ key, reason, error? }`. */
  tokenRefresh: diagnostics_channel.channel('m365d:token:refresh'),
  /** A tenant domain was resolved to its tenant id: `{ authority, tenant, tenantId?, durationMs, error? }`. */
  tenantDiscovery: diagnostics_channel.channel('m365d:token:tenant-discovery'),
  /** A JWKS or discovery document was fetched for signature checks: `{ url, kind, durationMs, status?, error? }`. */
  jwksFetch: diagnostics_channel.channel('m365d:jwt:keys-fetch'),
  /** An HTTP request to a Defender / Graph API: `{ method, url, attempt }`. */
  httpRequest: diagnostics_channel.channel('m365d:http:request'),
  /** An HTTP response: `{ method, url, status, durationMs }`. */
  httpResponse: diagnostics_channel.channel('m365d:http:response'),
  /** A retry is scheduled: `{ method, url, status?, error?, attempt, delayMs }`. */
  httpRetry: diagnostics_channel.channel('m365d:http:retry'),
  /** The client-side rate limiter makes a caller wait: `{ key, delayMs }`. */
  rateLimitWait: diagnostics_channel.channel('m365d:ratelimit:wait'),
} as const

export type ChannelName = keyof typeof channels

/** Publishes only when someone listens, so the hot path pays nothing otherwise. */
export function publish(name: ChannelName, message: object): void {
  const channel = channels[name]
  if (channel.hasSubscribers) channel.publish(message)
}
