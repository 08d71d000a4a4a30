// Public API of m365d/defender — explicit named exports only.
export { DefenderClient, COMMERCIAL, resolveSurface } from './client.js'
export { warnLegacyUse, legacyWarningMessage, daysUntilLegacyRetirement, LEGACY_RETIREMENT_DATE, LEGACY_RETIREMENT_NOTICE, LEGACY_WARNING_CODE, MIGRATION_COMMAND } from './legacy_warning.js'
export type { DefenderClientOptions, DefenderCloud, ListIncidentsOptions, ListAlertsOptions } from './client.js'
export type { DefenderRequest, DefenderCall, EndpointGroup, Layer, Send, Surface } from './call.js'
export { compose, toFetchInit, toFetchRequest, graphHeaders } from './call.js'
export { authorization, tokenRoles } from './authorization.js'
export type { AuthorizationOptions, TokenSource } from './authorization.js'
export { RateLimiter, rateLimit, DEFAULT_LIMITS } from './rate_limiter.js'
export type { AcquireOptions } from './rate_limiter.js'
export { LEGACY_LIMITS, GRAPH_LIMITS, QUOTA_PROFILES, tenantBuckets, checkLimits, scaleLimits } from './quotas.js'
export type { Quota, RateLimits } from './quotas.js'
export { createExecutor } from './retry.js'
export type { Execute, ExecutorOptions, Process, RetryOptions } from './retry.js'
export { retryAfterMs, backoffMs } from './retry_after.js'
export { attemptSignal } from './timeout.js'
export { transport } from './transport.js'
export { pagedList, skipPages, nextLinkPages } from './paging.js'
export type { PagedList } from './paging.js'
export { listIncidentsRequest, processListIncidentsResponse, processCollection, MAX_PAGE_SIZE, READ_PERMISSIONS } from './incidents_list.js'
export type { ListIncidentsParams, Page } from './incidents_list.js'
export { getIncidentRequest, processGetIncidentResponse, checkIncidentId } from './incident_get.js'
export type { GetIncidentParams } from './incident_get.js'
export { updateIncidentRequest, processUpdateIncidentResponse, incidentUpdateBody, incidentCommentRequest, processIncidentCommentResponse, WRITE_PERMISSIONS } from './incident_update.js'
export type { IncidentUpdate } from './incident_update.js'
export { listAlertsRequest, processListAlertsResponse, getAlertRequest, processGetAlertResponse, MAX_ALERTS_PAGE_SIZE } from './alerts_list.js'
export type { AlertFilter, ListAlertsParams } from './alerts_list.js'
export { buildIncidentFilter, dateLiteral, stringLiteral } from './filter.js'
export type { DateInput, DateRange, IncidentFilter } from './filter.js'
export { readJson, parseErrorBody } from './response.js'
export {
  DefenderApiError,
  DefenderForbiddenError,
  RetriesExhaustedError,
  DefenderTimeoutError,
  DefenderNetworkError,
  InvalidBodyError,
  NextLinkOriginError,
  PagingStalledError,
} from './errors.js'
export type { ServerErrorFields } from './errors.js'
export {
  incidentStatuses,
  severities,
  classifications,
  determinationsByClassification,
  determinationAliases,
  graphIncidentStatuses,
  graphAlertStatuses,
  graphSeverities,
  graphClassifications,
  graphDeterminationsByClassification,
  validateClassification,
  matchChoice,
  toGraphStatus,
  toGraphSeverity,
  toGraphClassification,
  toGraphDetermination,
} from './enums.js'
export type { IncidentStatus, Severity, Classification, Determination, GraphIncidentStatus, GraphAlertStatus, GraphSeverity, GraphClassification, GraphDetermination } from './enums.js'
export { isGraphIncident, incidentId, incidentLastUpdate, incidentCreated, incidentStatus, incidentRedirectedTo } from './models.js'
export type { Incident, Alert, Device, Entity, Comment, GraphIncident, GraphAlert, GraphComment, AnyIncident } from './models.js'
export { HuntingClient, hunt, HUNT_ATTEMPT_TIMEOUT_MS } from './hunt_client.js'
export type { HuntingClientOptions, HuntOptions, HuntResult } from './hunt_client.js'
export { huntRequest, processHuntResponse, typeRows, HUNT_PERMISSIONS, MAX_HUNT_ROWS, GRAPH_MAX_RESULT_BYTES } from './hunt.js'
export type { HuntColumn, HuntRow, HuntTyping, HuntResponse, HuntRequestParams, ProcessHuntOptions } from './hunt.js'
export { applyWindow, toWindow, bisect, chunk } from './hunt_window.js'
export type { TimeRange, Window as HuntWindow } from './hunt_window.js'
export { HuntQueryError, HuntResultTooLargeError, HuntRowLimitError, HuntTimeRangeError } from './hunt_errors.js'
export { parseTimespan, parseIsoDuration, parseIsoDate, timespanWindow, DEFAULT_TIMESPAN_MS } from './timespan.js'
export { updateAlertRequest, processUpdateAlertResponse, alertCommentRequest, processCommentsResponse, alertUpdateBody, commentBody, ALERT_WRITE_PERMISSIONS, ALERT_SETTABLE_STATUSES } from './alert_update.js'
export type { AlertUpdate } from './alert_update.js'
export { checkAlertId } from './alerts_list.js'
