// Public face of m365d/sync: entry points (src/app, src/cli, the console) import from here, never
// from the inner files (issue 9 §1). The store, the tenant registry, the daemon and its settings.
export { resolveSyncSettings, backfillMsOf, SYNC_DEFAULTS, DEFAULT_OPS_PORT } from './settings.js'
export type { SyncSettings, SyncSettingsInput } from './settings.js'

export { openStore, resolveStorage } from './onboarding/storage.js'
export type { StorageSelection, OpenedStore } from './onboarding/storage.js'
export { DatabaseError, redactUrl } from './db/database.js'
export type { Database, Queryable } from './db/database.js'
export { migrate, schemaVersion, LATEST_SCHEMA_VERSION } from './db/migrations.js'

export { upsertTenant, listTenants, removeTenant, setTenantApi } from './db/sql/tenants.js'
export type { TenantRow } from './db/sql/tenants.js'
export { tenantSummaries, formatLag } from './onboarding/tenant_summary.js'
export type { TenantSummary } from './onboarding/tenant_summary.js'
export { checkTenant } from './onboarding/check_tenant.js'
export type { TenantCheck, CheckTenantOptions } from './onboarding/check_tenant.js'
export { CONSENT_CALLBACK_PATH, consentCallbackHandler } from './onboarding/consent_callback.js'
export { createConsentRequest, CONSENT_REQUEST_TTL_MS } from './onboarding/consent_requests.js'
export type { ConsentOutcome, RejectReason } from './onboarding/consent_requests.js'
export { addTenant, findTenant, registryTenants, isRemoved, setPaused, tagTenant, resetBackoff, TAG } from './registry.js'
export type { RegistryTenant } from './registry.js'

export { syncTenant } from './engine/sync_tenant.js'
export { chooseSurface, graphReadiness, needsGraphConsentDetail, GRAPH_ROLES, INCIDENT_ROLES } from './engine/surface.js'
export type { GraphReadiness, SurfaceChoice } from './engine/surface.js'
export { migrateCheck } from './migration/migrate_check.js'
export type { TenantMigrationReport, MigrateCheckOptions, MigrationStatus } from './migration/migrate_check.js'
export { compareIncidents, comparable } from './migration/parity.js'
export type { ParityResult, FieldDifference } from './migration/parity.js'
// Writing a document the API returned (the console's write-back) exactly as a sync pass would.
export { commitBatch } from './db/sql/commit_batch.js'
export type { IncidentRecord, AlertRecord } from './db/sql/commit_batch.js'
export { incidentRecord, nestedAlertRecords } from './engine/records.js'
export type { TenantSyncOptions, TenantSyncResult } from './engine/sync_tenant.js'
export type { TenantHealth, ClassifiedError } from './engine/classify_error.js'

export { SyncDaemon, DaemonError, startOpsServer, createLogger, sanitize, LeaseLostError, Registry, escapeLabelValue } from './daemon/index.js'
export type { HeldLease, DaemonOptions, DaemonEvent, DaemonStatus, TenantStatus, StreamStatus, ExtraRoute, MountedApp, OpsServer, Logger, LoggerOptions, LogLevel } from './daemon/index.js'

export { ndjsonSink, webhookSink, webhookSinkFromSettings, parseHeaderLine, parseWebhookSecrets, isSecretHeader, SinkError } from './sinks/index.js'
export type { Sink, SinkRecord, NdjsonSinkOptions, WebhookSinkOptions } from './sinks/index.js'

// The registry's operations and the daemon's local API that carries them while a daemon owns the
// embedded store (issue 9 §1): the CLI runs the same functions directly or through the daemon.
export { REGISTRY_OPERATIONS, runRegistryOperation, isRegistryOperation } from './registry_operations.js'
export type { RegistryOperationName, RegistryInput, RegistryResult, JsonOf } from './registry_operations.js'
export { recordTenantCheck } from './onboarding/check_tenant.js'
export { DISCOVERY_FILE, discoveryPath, newLocalApiCredential, publishDiscovery, readDiscovery } from './local_api/discovery.js'
export type { LocalApiDiscovery, DiscoveryLookup } from './local_api/discovery.js'
export { localApiRoutes, LOCAL_API_PREFIX } from './local_api/server.js'
export type { DaemonOperation } from './local_api/server.js'
export { callLocalApi, callRegistry, LocalApiError } from './local_api/client.js'
