/**
 * Idempotency keys: a request sent again under the same key (a client retrying after a timeout or a
 * lost answer) gets the answer of the first one instead of doing the work twice. A claim item per key
 * holds a lease while the work runs and the work's result when it is done; the key is the client's,
 * scoped to one study (creates: to the creates of the table).
 */
import { createHash } from 'node:crypto';
import { ConflictError, NotFoundError } from '../errors';
import { REQUEST_LEASE_MS } from './defaults';
import type { RequestScope } from '../store/store';
import type { TunerDeps } from './deps';

export interface Done<T> {
  /** The answer to give. */
  value: T;
  /** What a repeat needs to rebuild it: an ask's run number, an enqueue's first seq, a create's study id. */
  result: number | string;
}

/**
 * Runs `work` once per key: a repeat with the same fingerprint gets `replay(result)`, one with another
 * fingerprint 409 IdempotencyKeyReused. `work` must itself find the result of an earlier attempt that
 * did the work and failed before recording it (its claim released on an error, or its lease run out);
 * `reserve` helps it there: the first claim of the key keeps that value, and every attempt gets it.
 */
export async function once<T>(
  deps: TunerDeps,
  scope: RequestScope,
  key: string,
  fingerprint: string,
  replay: (result: number | string) => Promise<T>,
  work: (reserved: string | undefined) => Promise<Done<T>>,
  reserve?: string,
): Promise<T> {
  const claim = await claimKey(deps, scope, key, fingerprint, reserve);
  if (claim.kind === 'done') {
    if (claim.fingerprint !== fingerprint) throw keyReused(key);
    return replay(claim.result);
  }
  try {
    const done = await work(claim.reserved);
    if (!(await deps.store.finishRequest(scope, key, claim.token, done.result))) {
      // The claim went with its study (a DELETE raced this request): the study's answer is 404. Otherwise
      // a later attempt took the claim over; the work is done all the same and that attempt finds it.
      if (scope !== 'create' && !(await deps.store.getStudy(scope.studyId))) throw studyGone(scope.studyId);
    }
    return done.value;
  } catch (err) {
    await deps.store.releaseRequest(scope, key, claim.token).catch(() => undefined);
    throw err;
  }
}

const studyGone = (studyId: string) => new NotFoundError('StudyNotFound', `study ${studyId} does not exist`);

export const keyReused = (key: string) => new ConflictError('IdempotencyKeyReused', `requestId ${key} was already used for a request with a different body`);

/**
 * A fixed-length fingerprint of a request body (what a claim stores, whatever the body's size). Object
 * keys are sorted first: the same body sent again with its keys in another order (another client
 * library, or maps read back from DynamoDB, which does not promise key order) is the same request.
 */
export function bodyFingerprint(route: string, body: unknown): string {
  return `${route}:${createHash('sha256').update(canonicalJson(body)).digest('base64url')}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Claims the key; if another attempt holds it, waits briefly for that one to finish (it takes milliseconds). */
async function claimKey(deps: TunerDeps, scope: RequestScope, key: string, fingerprint: string, reserve: string | undefined) {
  for (let i = 0; i < 20; i++) {
    const claim = await deps.store.claimRequest(scope, key, fingerprint, deps.clock(), REQUEST_LEASE_MS, reserve);
    if (claim.kind !== 'busy') return claim;
    await new Promise((r) => setTimeout(r, 50 + 50 * Math.random()));
  }
  throw new ConflictError('RequestInProgress', `a request with requestId ${key} is still in progress; retry shortly`, undefined, 1);
}
