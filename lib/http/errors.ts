/**
 * The one place errors become HTTP responses. TunerErrors below 500 are shown to the caller as they are;
 * throttling by AWS becomes 503 with Retry-After; anything else is a generic 500 (and is logged), so no
 * internals leak.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod';
import { isTunerError, TunerError, ValidationError, type FieldIssue } from '../errors';

const THROTTLED = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'InternalServerError',
  'ServiceUnavailable',
]);

export function json(status: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

export function toTunerError(err: unknown): TunerError {
  if (isTunerError(err)) return err;
  const name = (err as { name?: string })?.name;
  if (name && THROTTLED.has(name)) {
    return new TunerError('ServiceUnavailable', 503, 'the service is briefly overloaded; retry shortly', { retryAfterSeconds: 1, cause: err });
  }
  return new TunerError('InternalError', 500, 'internal error', { cause: err });
}

export function errorResponse(err: TunerError, requestId?: string): APIGatewayProxyResult {
  const body: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.details !== undefined && err.status < 500) body.details = err.details;
  if (requestId) body.requestId = requestId;
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.ceil(err.retryAfterSeconds));
  return json(err.status, { error: body }, headers);
}

/** zod issues → our field issues: dotted paths, unknown fields named. */
export function zodIssues(error: z.ZodError, prefix?: string): FieldIssue[] {
  return flatIssues(error.issues).map((i) => {
    const path = [...(prefix ? [prefix] : []), ...i.path.map(String)].join('.');
    if (i.code === 'unrecognized_keys') {
      const keys = (i as { keys: string[] }).keys;
      return { path: path || keys.join(','), message: `unknown field${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}` };
    }
    return { path, message: i.message };
  });
}

type Issue = z.core.$ZodIssue;

/**
 * A union that no option accepts reports one message for the whole value ("must be A or B"). When
 * one option got further into the value than every other (all its complaints lie deeper), the value
 * was evidently meant as that option, and its own issues name the field at fault:
 * `warmStartFrom.runs.37.value`, not just `warmStartFrom`. Otherwise the union's message stands.
 */
function flatIssues(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((i) => {
    if (i.code !== 'invalid_union' || i.errors.length === 0) return [i];
    const depth = (branch: readonly Issue[]) => Math.min(...branch.map((b) => b.path.length));
    const depths = i.errors.map(depth);
    const best = Math.max(...depths);
    if (best === 0 || depths.filter((d) => d === best).length > 1) return [i];
    const branch = i.errors[depths.indexOf(best)];
    return flatIssues(branch.map((b) => ({ ...b, path: [...i.path, ...b.path] }) as Issue));
  });
}

export function validationFrom(error: z.ZodError, prefix?: string): ValidationError {
  return new ValidationError(zodIssues(error, prefix));
}
