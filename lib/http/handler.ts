/**
 * The shared shape of every route handler: parse and validate (body, query, path) → call the use case
 * → respond, with errors mapped in one place. A handler stays a plain async (event) function.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod';
import { plainMessage, TunerError, ValidationError } from '../errors';
import type { TunerDeps } from '../tuner/deps';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { getDeps, getLogger, getMetrics } from '../wiring';
import { errorResponse, json, toTunerError, validationFrom } from './errors';
import { decodeUtf8Body } from './utf8';

/** Bodies above this are refused with 413 before parsing (API Gateway itself allows 10 MB). */
export const MAX_BODY_BYTES = 64 * 1024;
/**
 * Largest answer a handler gives. AWS Lambda refuses to return more than 6 MB (6,291,456 bytes) of
 * invocation response, the proxy envelope with its JSON-escaped body included, and API Gateway turns
 * that into a bare 502. Answering a coded error instead, in local mode too, keeps the two alike.
 */
export const MAX_RESPONSE_BYTES = 6_000_000;
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export interface HandlerContext<B, Q> {
  body: B;
  query: Q;
  path: Record<string, string>;
  headers: Record<string, string>;
  deps: TunerDeps;
  event: APIGatewayProxyEvent;
  /**
   * In Lambda: the time (epoch ms, real clock) by which the use case should stop its loops so that the
   * answer still goes out before the function's timeout. Undefined where nothing times out (local mode).
   */
  answerBy: number | undefined;
}

/** What a handler needs of Lambda's context object. */
export interface LambdaContextLike {
  getRemainingTimeInMillis?: () => number;
}

/**
 * Time kept back from the function's remaining time for what follows a loop: publishing the events
 * (SNS: 1 s to connect, 2 s per request) and recording an idempotency key.
 */
export const ANSWER_RESERVE_MS = 3_000;

export interface HandlerSpec<BS extends z.ZodType | undefined, QS extends z.ZodType | undefined> {
  body?: BS;
  query?: QS;
  /** Status of a successful answer (default 200; 204 sends no body). */
  status?: number;
  /** What to do instead when the answer is over MAX_RESPONSE_BYTES (routes whose answer can grow). */
  tooLargeHint?: string;
}

type Out<S> = S extends z.ZodType ? z.infer<S> : undefined;

export function httpHandler<BS extends z.ZodType | undefined = undefined, QS extends z.ZodType | undefined = undefined>(
  spec: HandlerSpec<BS, QS>,
  fn: (ctx: HandlerContext<Out<BS>, Out<QS>>) => Promise<unknown>,
): (event: APIGatewayProxyEvent, context?: LambdaContextLike) => Promise<APIGatewayProxyResult> {
  return async (event, context) => {
    const remaining = context?.getRemainingTimeInMillis?.();
    const answerBy = typeof remaining === 'number' ? Date.now() + remaining - ANSWER_RESERVE_MS : undefined;
    const requestId = event.requestContext?.requestId;
    // A logger of this request's own: local mode serves requests concurrently in one process, where keys
    // appended to the shared logger would label one request's lines with another's ids.
    const logger = getLogger().createChild();
    const metrics = getMetrics();
    const started = Date.now();
    // Every log line of this request carries the ids a user would search by.
    logger.appendKeys({ requestId, route: `${event.httpMethod} ${event.resource}`, ...pick(event.pathParameters, ['studyId', 'runId']) });
    let status = 500;
    try {
      const headers = lowerHeaders(event.headers);
      const path = checkPath(event.pathParameters ?? {});
      const body = spec.body ? parseBody(event, headers, spec.body) : undefined;
      const query = spec.query ? parseQuery(event, spec.query) : noQuery(event);
      const result = await fn({ body: body as Out<BS>, query: query as Out<QS>, path, headers, deps: getDeps(), event, answerBy });
      status = spec.status ?? 200;
      return status === 204 ? { statusCode: 204, headers: {}, body: '' } : fitted(json(status, result), spec.tooLargeHint);
    } catch (err) {
      const e = toTunerError(err);
      status = e.status;
      if (e.status >= 500) logger.error('request failed', { error: err as Error, path: event.path, method: event.httpMethod });
      else logger.debug('request refused', { code: e.code, message: e.message });
      return errorResponse(e, requestId);
    } finally {
      if (metrics) {
        metrics.addDimension('route', event.resource ?? 'unknown');
        metrics.addMetric(status >= 500 ? 'ServerErrors' : status >= 400 ? 'ClientErrors' : 'Requests', MetricUnit.Count, 1);
        metrics.addMetric('Latency', MetricUnit.Milliseconds, Date.now() - started);
        metrics.publishStoredMetrics();
      }
    }
  };
}

/** The answer, or ResponseTooLarge when Lambda could not return it. */
function fitted(res: APIGatewayProxyResult, hint = 'ask for less'): APIGatewayProxyResult {
  // Escaping can at most double a body, so only bodies over half the limit need measuring exactly.
  if (res.body.length * 2 <= MAX_RESPONSE_BYTES) return res;
  const bytes = Buffer.byteLength(JSON.stringify(res), 'utf8');
  if (bytes <= MAX_RESPONSE_BYTES) return res;
  const mb = (n: number) => (n / 1e6).toFixed(1);
  throw new TunerError('ResponseTooLarge', 422, `the answer would be ${mb(bytes)} MB, more than the ${mb(MAX_RESPONSE_BYTES)} MB one response can carry (AWS Lambda's limit): ${hint}`);
}

function pick(obj: Record<string, string | undefined> | null | undefined, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (obj?.[n] !== undefined) out[n] = obj[n] as string;
  return out;
}

function lowerHeaders(h: APIGatewayProxyEvent['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/** Ids are ours (uuids): anything else cannot exist, but a malformed one is the caller's mistake. */
function checkPath(params: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    const decoded = safeDecode(v);
    if (!ID_RE.test(decoded)) throw new ValidationError(`must be 1-64 characters of letters, digits, - and _`, k);
    out[k] = decoded;
  }
  return out;
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

function parseBody<S extends z.ZodType>(event: APIGatewayProxyEvent, headers: Record<string, string>, schema: S): z.infer<S> {
  const raw = event.body ?? '';
  // API Gateway hands over a body it takes for binary base64-encoded: its bytes must be UTF-8 as well,
  // or decoding would silently turn the bad ones into U+FFFD (the local server applies the same rule).
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : undefined;
  if (bytes && bytes.length > MAX_BODY_BYTES) throw new TunerError('PayloadTooLarge', 413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
  const text = bytes ? decodeUtf8Body(bytes) : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new TunerError('PayloadTooLarge', 413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  const type = headers['content-type'];
  if (text.trim() !== '' && type && !/^application\/(.+\+)?json\b/i.test(type)) {
    throw new TunerError('UnsupportedMediaType', 415, `content-type must be application/json, got ${type}`);
  }
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new TunerError('InvalidJson', 400, `the body is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError('the body must be a JSON object', 'body');
  }
  const proto = protoKeyPaths(value);
  if (proto.length > 0) throw new ValidationError(proto.map((path) => ({ path, message: PROTO_MESSAGE })));
  const r = schema.safeParse(value, { error: plainMessage });
  if (!r.success) throw validationFrom(r.error);
  return r.data;
}

const PROTO_MESSAGE = 'is not an allowed name (any key but "__proto__" is)';

/**
 * Paths (dotted, like validation errors') of every `__proto__` key in a parsed body. JSON.parse keeps
 * such a key as an own property, but zod's records and objects drop it without a word, so a param,
 * an option or a field of that name would vanish instead of being refused. Walked with a stack: a
 * body may nest deeper than the call stack goes.
 */
function protoKeyPaths(body: object): string[] {
  const out: string[] = [];
  const stack: [unknown, string][] = [[body, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    for (const key of Object.keys(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key === '__proto__') out.push(at);
      stack.push([(value as Record<string, unknown>)[key], at]);
    }
  }
  return out.sort();
}

/** A route without query parameters refuses any, as a body refuses unknown fields. */
function noQuery(event: APIGatewayProxyEvent): undefined {
  const names = Object.keys(event.queryStringParameters ?? {});
  if (names.length > 0) throw new ValidationError(names.map((path) => ({ path, message: 'is not a query parameter of this route (it takes none)' })));
  return undefined;
}

function parseQuery<S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.infer<S> {
  const multi = event.multiValueQueryStringParameters ?? {};
  for (const [k, v] of Object.entries(multi)) {
    if (v && v.length > 1) throw new ValidationError('must be given once', k);
  }
  const r = schema.safeParse(event.queryStringParameters ?? {}, { error: plainMessage });
  if (!r.success) throw validationFrom(r.error);
  return r.data;
}
