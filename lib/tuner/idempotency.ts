/**
 * Idempotency keys: a request sent again under the same key (a client retrying after a timeout or a
 * lost answer) gets the answer of the first one instead of doing the work twice. A claim item per key
 * holds a lease while the work runs and the work's result number when it is done; the key is the
 * client's, scoped to one study.
 */
import { createHash } from 'node:crypto';
import { ConflictError } from '../errors';
import { REQUEST_LEASE_MS } from './defaults';
import type { TunerDeps } from './deps';

export interface Done<T> {
  /** The answer to give. */
  value: T;
  /** What a repeat needs to rebuild it: an ask's run number, an enqueue's first seq. */
  result: number;
}

/**
 * Runs `work` once per key: a repeat with the same fingerprint gets `replay(result)`, one with another
 * fingerprint 409 IdempotencyKeyReused. `work` must itself find the result of an earlier attempt that
 * did the work and died before recording it (its claim released on an error, or its lease run out).
 */
export async function once<T>(
  deps: TunerDeps,
  studyId: string,
  key: string,
  fingerprint: string,
  replay: (result: number) => Promise<T>,
  work: () => Promise<Done<T>>,
): Promise<T> {
  const claim = await claim_(deps, studyId, key, fingerprint);
  if (claim.kind === 'done') {
    if (claim.fingerprint !== fingerprint) throw keyReused(key);
    return replay(claim.result);
  }
  try {
    const done = await work();
    await deps.store.finishRequest(studyId, key, claim.token, done.result);
    return done.value;
  } catch (err) {
    await deps.store.releaseRequest(studyId, key, claim.token).catch(() => undefined);
    throw err;
  }
}

export const keyReused = (key: string) => new ConflictError('IdempotencyKeyReused', `requestId ${key} was already used for a request with a different body`);

/** A fixed-length fingerprint of a request body (what a claim stores, whatever the body's size). */
export function bodyFingerprint(route: string, body: unknown): string {
  return `${route}:${createHash('sha256').update(JSON.stringify(body)).digest('base64url')}`;
}

/** Claims the key; if another attempt holds it, waits briefly for that one to finish (it takes milliseconds). */
async function claim_(deps: TunerDeps, studyId: string, key: string, fingerprint: string) {
  for (let i = 0; i < 20; i++) {
    const claim = await deps.store.claimRequest(studyId, key, fingerprint, deps.clock(), REQUEST_LEASE_MS);
    if (claim.kind !== 'busy') return claim;
    await new Promise((r) => setTimeout(r, 50 + 50 * Math.random()));
  }
  throw new ConflictError('RequestInProgress', `a request with requestId ${key} is still in progress; retry shortly`, undefined, 1);
}
