/** Shared helper: validate strategy/pruner options with zod and report paths under a prefix. */
import { z } from 'zod';
import { isStorableNumber, STORABLE_MESSAGE } from '../domain/types';
import { fieldIssues, ValidationError, type FieldIssue } from '../errors';

/**
 * Parses options and checks that every number in them can be stored with the study (a gamma of 1e-200
 * passes "in (0, 1)", but DynamoDB cannot hold it), so a bad option is a 400 naming it, never a failed write.
 */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, prefix: string): z.infer<S> {
  const r = schema.safeParse(raw);
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
  z.number({ error: `must be an integer >= ${min}` }).int('must be an integer').min(min, `must be >= ${min}`);
