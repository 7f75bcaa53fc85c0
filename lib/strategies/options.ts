/** Shared helper: validate strategy/pruner options with zod and report paths under a prefix. */
import { z } from 'zod';
import { fieldIssues, ValidationError } from '../errors';

export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, prefix: string): z.infer<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  throw new ValidationError(fieldIssues(r.error, prefix, (keys) => `unknown option(s): ${keys.join(', ')}`));
}

/** An integer option of at least `min`, with messages that say so. */
export const intAtLeast = (min: number) =>
  z.number({ error: `must be an integer >= ${min}` }).int('must be an integer').min(min, `must be >= ${min}`);
