/**
 * Typed errors with machine codes. Each error says what the caller should do:
 * fix the request (4xx), retry (429/503), or report a bug (500). `lib/http/errors.ts` is the one
 * place that maps them to HTTP responses.
 */
/** 404s: the named thing does not exist. */
export type NotFoundCode = 'StudyNotFound' | 'RunNotFound' | 'RouteNotFound' | 'NotFound';

/** 409s: valid, but in conflict with the current state; each says which. */
export type ConflictCode =
  | 'StudyExhausted'
  | 'StudyStopped'
  | 'StudyAlreadyExists'
  | 'RunAlreadyCompleted'
  | 'RunNotRunning'
  | 'MetricConflict'
  | 'RequestInProgress'
  | 'IdempotencyKeyReused';

export type ErrorCode =
  | NotFoundCode
  | ConflictCode
  | 'ValidationError'
  | 'InvalidJson'
  | 'PayloadTooLarge'
  | 'Unauthorized'
  | 'MethodNotAllowed'
  | 'StrategyNotAvailable'
  | 'PrunerNotAvailable'
  | 'TooManyConflicts'
  | 'StrategyFailed'
  | 'UnsupportedMediaType'
  | 'ServiceUnavailable'
  | 'InternalError';

export interface TunerErrorOptions {
  details?: unknown;
  cause?: unknown;
  /** Seconds the caller should wait before retrying (429 / 503). */
  retryAfterSeconds?: number;
}

export class TunerError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, status: number, message: string, options: TunerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** One entry per offending field: `path` is dotted (`space.lr.low`), `message` says what is wrong. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** The request is malformed: fix it and send again. */
export class ValidationError extends TunerError {
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[] | string, path?: string) {
    const list = typeof issues === 'string' ? [{ path: path ?? '', message: issues }] : issues;
    const first = list[0];
    const summary = first ? (first.path ? `${first.path}: ${first.message}` : first.message) : 'invalid request';
    const more = list.length > 1 ? ` (and ${list.length - 1} more)` : '';
    super('ValidationError', 400, summary + more, { details: { issues: list } });
    this.issues = list;
  }
}

export class NotFoundError extends TunerError {
  constructor(code: NotFoundCode, message: string) {
    super(code, 404, message);
  }
}

/** The request is valid but conflicts with the current state: do not retry it unchanged. */
export class ConflictError extends TunerError {
  constructor(
    code: ConflictCode,
    message: string,
    details?: unknown,
    retryAfterSeconds?: number,
  ) {
    super(code, 409, message, { details, retryAfterSeconds });
  }
}

/** Too much contention right now: retry after `retryAfterSeconds`. */
export class RetryLaterError extends TunerError {
  constructor(message: string, retryAfterSeconds = 1, cause?: unknown) {
    super('TooManyConflicts', 429, message, { retryAfterSeconds, cause });
  }
}

export function isTunerError(e: unknown): e is TunerError {
  return e instanceof TunerError;
}
