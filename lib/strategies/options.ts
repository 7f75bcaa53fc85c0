/** Shared helper: validate strategy/pruner options with zod and report paths under a prefix. */
import { z } from 'zod';
import { isStorableNumber, STORABLE_MESSAGE } from '../domain/types';
import { fieldIssues, plainMessage, ValidationError, type FieldIssue } from '../errors';

/**
 * Parses options and checks that every number in them can be stored with the study (a gamma of 1e-200
 * passes "in (0, 1)", but DynamoDB cannot hold it), so a bad option is a 400 naming it, never a failed write.
 */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, prefix: string): z.infer<S> {
  const r = schema.safeParse(raw, { error: plainMessage });
  if (!r.success) throw new ValidationError(fieldIssues(r.error, prefix, (keys) => `unknown option(s): ${keys.join(', ')}`));
  const unstorable = unstorableNumbers(r.data, prefix);
  if (unstorable.length > 0) throw new ValidationError(unstorable);
  return r.data;
}

function unstorableNumbers(value: unknown, path: string, out: FieldIssue[] = []): FieldIssue[] {
  if (typeof value === 'number') {
    if (!isStorableNumber(value)) out.push({ path, message: STORABLE_MESSAGE });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => unstorableNumbers(v, `${path}.${i}`, out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) unstorableNumbers(v, `${path}.${k}`, out);
  }
  return out;
}

/** An integer option of at least `min`, with messages that say so. */
export const intAtLeast = (min: number) =>
  z.number({ error: `must be an integer >= ${min}` }).int(`must be an integer from ${min} to ${Number.MAX_SAFE_INTEGER}`).min(min, `must be >= ${min}`);

/** An integer option within [min, max]: one message for every way a value misses (1.5, 1e20, "3", 0). */
export function intIn(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return z.number({ error: message }).int(message).min(min, message).max(max, message);
}
