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
/**
 * How long one ask keeps retrying a lost run number before it answers 429: long enough that 16 racing
 * trainers all get through on a loaded 2-core machine where the clients, the handlers and dynalite share
 * one event loop (measured there: p99 3.8 s, max 4.8 s). In Lambda the function's remaining time caps it
 * (lib/http/handler.ts `answerBy`): the API's functions stop at 10 s, and a contended ask must answer
 * 429 with Retry-After before that, not die into API Gateway's bare 502.
 */
export const ASK_CONTENTION_BUDGET_MS = 20_000;
/** How long an ask holds its idempotency-key claim before another request may take it over. */
export const REQUEST_LEASE_MS = 30_000;
export const MAX_ENQUEUE_PER_CALL = 100;
export const MAX_WARM_START_RUNS = 10_000;
/** Time a DELETE spends removing a study's items before leaving the rest to the sweeper (at most; in Lambda also capped by the function's remaining time). */
export const DELETE_BUDGET_MS = 5_000;
/** Time one sweep spends finishing deletions (the sweeper times out at 50 s and runs every minute). */
export const SWEEP_DELETIONS_BUDGET_MS = 30_000;
