/** Study defaults and limits, in one place so the docs, schemas and use cases agree. */

/**
 * A run that reports nothing (metric, heartbeat, completion) for this long is timed out. One hour:
 * long enough for an epoch of most training jobs between reports, short enough that a dead worker's
 * run is recovered the same working session. The seed's 30 s was the tuner's own wait, not a training
 * step. Trainers with longer gaps send heartbeats or raise it per study.
 */
export const DEFAULT_METRIC_TIMEOUT_SECONDS = 3600;
export const MAX_METRIC_TIMEOUT_SECONDS = 7 * 24 * 3600;
export const MAX_RUNS_LIMIT = 1_000_000;
export const MAX_RETRY_FAILED = 10;
/** Optimistic-concurrency attempts of one ask before it answers 429. */
export const ASK_MAX_ATTEMPTS = 80;
/** How long an ask holds its idempotency-key claim before another request may take it over. */
export const REQUEST_LEASE_MS = 30_000;
export const MAX_ENQUEUE_PER_CALL = 100;
export const MAX_WARM_START_RUNS = 10_000;
