/**
 * The one place errors become HTTP responses. TunerErrors below 500 are shown to the caller as they are;
 * throttling by AWS becomes 503 with Retry-After; anything else is a generic 500 (and is logged), so no
 * internals leak.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod';
import { fieldIssues, isTunerError, TunerError, ValidationError, type FieldIssue } from '../errors';

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
  // The table's local secondary index caps what one study holds at 10 GB. Retrying cannot help, so this
  // is not a 5xx (clients retry those), and it says what to do.
  if (name === 'ItemCollectionSizeLimitExceededException') {
    return new TunerError(
      'StudyTooLarge',
      409,
      'this study has reached the 10 GB DynamoDB holds for one study (its runs, metrics and queue): start a new study, warm-started from this one',
      { cause: err },
    );
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
  return fieldIssues(error, prefix, (keys) => `unknown field${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}`);
}

export function validationFrom(error: z.ZodError, prefix?: string): ValidationError {
  return new ValidationError(zodIssues(error, prefix));
}
