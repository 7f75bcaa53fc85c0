/**
 * Typed errors with machine codes. Each error says what the caller should do:
 * fix the request (4xx), retry (429/503), or report a bug (500). `lib/http/errors.ts` is the one
 * place that maps them to HTTP responses.
 */
import type { z } from 'zod';

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
  | 'ResponseTooLarge'
  | 'StudyTooLarge'
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

type ZodIssue = z.core.$ZodIssue;

/**
 * zod issues → field issues, dotted paths under `prefix`. The one mapping behind both the HTTP contract
 * (lib/http/errors.ts) and strategy/pruner options (lib/strategies/options.ts); each words its own
 * "unknown key" message, since a request has fields and a strategy has options.
 */
export function fieldIssues(error: z.ZodError, prefix: string | undefined, unknownKeys: (keys: string[]) => string): FieldIssue[] {
  return flatIssues(error.issues).map((i) => {
    const path = [...(prefix ? [prefix] : []), ...i.path.map(String)].join('.');
    if (i.code === 'unrecognized_keys') return { path: path || i.keys.join(','), message: unknownKeys(i.keys) };
    return { path, message: i.message };
  });
}

/**
 * A union that no option accepts reports one message for the whole value ("must be A or B"). When
 * one option got further into the value than every other (all its complaints lie deeper), the value
 * was evidently meant as that option, and its own issues name the field at fault:
 * `warmStartFrom.runs.37.value`, not just `warmStartFrom`. Otherwise the union's message stands.
 */
function flatIssues(issues: readonly ZodIssue[]): ZodIssue[] {
  return issues.flatMap((i) => {
    if (i.code !== 'invalid_union' || i.errors.length === 0) return [i];
    const depth = (branch: readonly ZodIssue[]) => Math.min(...branch.map((b) => b.path.length));
    const depths = i.errors.map(depth);
    const best = Math.max(...depths);
    if (best === 0 || depths.filter((d) => d === best).length > 1) return [i];
    const branch = i.errors[depths.indexOf(best)];
    return flatIssues(branch.map((b) => ({ ...b, path: [...i.path, ...b.path] }) as ZodIssue));
  });
}

/**
 * Words for the zod issues a schema gives no message of its own (pass as the `error` of a parse: a
 * schema's own messages win over it), so no default of zod's ("Invalid input", "Too small: expected
 * string to have >=1 characters") reaches a caller. Each says what is allowed.
 */
export function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is required';
      const kinds: Record<string, string> = { array: 'a list', object: 'an object', record: 'an object', int: 'an integer' };
      return `must be ${kinds[issue.expected] ?? `a ${issue.expected}`}`;
    }
    case 'too_small': {
      const min = String(issue.minimum);
      if (issue.origin === 'string') return issue.minimum === 1 ? 'must not be empty' : `must be at least ${min} characters`;
      if (issue.origin === 'array') return `needs at least ${min} entr${issue.minimum === 1 ? 'y' : 'ies'}`;
      return `must be ${issue.inclusive === false ? '>' : '>='} ${min}`;
    }
    case 'too_big': {
      const max = String(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      if (issue.origin === 'array') return `must have at most ${max} entries`;
      return `must be ${issue.inclusive === false ? '<' : '<='} ${max}`;
    }
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'is not in the accepted format' : `must be a valid ${issue.format}`;
    case 'invalid_key':
      return 'has a key that is not allowed';
    case 'invalid_union':
      return 'is none of the accepted forms';
    default:
      return undefined;
  }
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
