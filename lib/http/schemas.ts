/**
 * The HTTP contract as zod schemas: every request body is parsed here, unknown fields rejected, and
 * non-finite numbers refused (a diverged training run is reported as `status: "failed"`).
 */
import { z } from 'zod';
import { ValidationError } from '../errors';
import { spaceSchema } from '../space/spec';
import { isStorableNumber, MAX_STEP, STORABLE_MESSAGE } from '../domain/types';
import { MAX_METRIC_TIMEOUT_SECONDS, MAX_RETRY_FAILED, MAX_RUNS_LIMIT, MAX_ENQUEUE_PER_CALL, MAX_WARM_START_RUNS } from '../tuner/defaults';

const finite = z
  .number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a finite number') })
  .refine(isStorableNumber, STORABLE_MESSAGE);
const workerId = z.string({ error: 'must be a string of 1-128 characters' }).min(1, 'must not be empty').max(128, 'must be at most 128 characters');
const requestId = z.string({ error: 'must be 1-128 characters of letters, digits, . _ : -' }).regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 characters of letters, digits, . _ : -');

/** `{ name, seed?, ...options }`: options are validated by the named strategy itself. */
const strategyConfig = z.looseObject({
  name: z.string({ error: 'must be a strategy name' }).max(64, 'must be a strategy name (at most 64 characters)'),
  seed: z.number({ error: `must be an integer from 0 to ${2 ** 53 - 1}` }).int(`must be an integer from 0 to ${2 ** 53 - 1}`).min(0, `must be an integer from 0 to ${2 ** 53 - 1}`).optional(),
}, { error: 'must be an object { name, seed?, ...options }' });
const prunerConfig = z.looseObject({ name: z.string({ error: 'must be a pruner name' }).max(64, 'must be a pruner name (at most 64 characters)') }, { error: 'must be an object { name, ...options }' });

/** A run of an export document: the fields a strategy learns from; the rest of the run is ignored. */
const priorRun = z.looseObject({
  params: z.record(z.string(), z.union([z.string(), finite, z.boolean()], { error: 'must be a string, a number or a boolean' }), { error: 'must be an object of { paramName: value }' }),
  value: finite.optional(),
  state: z.enum(['running', 'completed', 'failed', 'pruned', 'timed_out'], { error: 'must be one of "running", "completed", "failed", "pruned", "timed_out"' }).optional(),
});

export const createStudyBody = z.strictObject({
  name: z.string({ error: 'is required and must be a string' }).trim().min(1, 'must not be empty').max(200, 'at most 200 characters'),
  direction: z.enum(['minimize', 'maximize'], { error: 'must be "minimize" or "maximize"' }).optional(),
  space: spaceSchema,
  strategy: strategyConfig.optional(),
  pruner: prunerConfig.optional(),
  maxRuns: z.number({ error: `must be an integer from 1 to ${MAX_RUNS_LIMIT}` }).int(`must be an integer from 1 to ${MAX_RUNS_LIMIT}`).min(1, 'must be >= 1').max(MAX_RUNS_LIMIT, `must be <= ${MAX_RUNS_LIMIT}`).optional(),
  metricTimeoutSeconds: finite.min(1, 'must be >= 1').max(MAX_METRIC_TIMEOUT_SECONDS, `must be <= ${MAX_METRIC_TIMEOUT_SECONDS} (7 days)`).optional(),
  retryFailed: z.number({ error: `must be an integer from 0 to ${MAX_RETRY_FAILED}` }).int(`must be an integer from 0 to ${MAX_RETRY_FAILED}`).min(0, 'must be >= 0').max(MAX_RETRY_FAILED, `must be <= ${MAX_RETRY_FAILED}`).optional(),
  /**
   * Learn from earlier runs: another study of this service, or the `runs` of an export document (whose
   * `study.direction`, when there, must be the new study's: checked by the use case).
   */
  warmStartFrom: z
    .union([
      z.strictObject({ studyId: z.string({ error: 'must be a study id' }).min(1, 'must not be empty').max(64, 'at most 64 characters') }),
      z.looseObject({
        runs: z.array(priorRun, { error: 'must be a list of runs' }).max(MAX_WARM_START_RUNS, `at most ${MAX_WARM_START_RUNS} runs`),
        study: z.looseObject({ direction: z.enum(['minimize', 'maximize'], { error: 'must be "minimize" or "maximize"' }).optional() }, { error: 'must be the study of an export document' }).optional(),
      }),
    ], {
      error: 'must be { studyId } or an export document with runs',
    })
    .superRefine((from, ctx) => {
      // An export document passes its other fields through: a studyId beside runs would be ignored.
      if ('studyId' in from && 'runs' in from) ctx.addIssue({ code: 'custom', message: 'give either { studyId } or an export document with runs, not both' });
    })
    .optional(),
});
export type CreateStudyInput = z.infer<typeof createStudyBody>;

export const askBody = z.strictObject({ workerId: workerId.optional(), requestId: requestId.optional() });
export const idempotencyKey = requestId;

/** The request's Idempotency-Key header, validated (400 naming the header when malformed). */
export function idempotencyKeyOf(headers: Record<string, string | undefined>): string | undefined {
  const header = headers['idempotency-key'];
  if (header !== undefined && !idempotencyKey.safeParse(header).success) {
    throw new ValidationError('must be 1-128 characters of letters, digits, . _ : -', 'Idempotency-Key');
  }
  return header;
}

export const metricBody = z.strictObject({
  value: finite,
  step: z.number({ error: 'is required and must be an integer >= 0' }).int(`must be an integer from 0 to ${MAX_STEP}`).min(0, 'must be >= 0').max(MAX_STEP, `must be <= ${MAX_STEP}`),
});

export const heartbeatBody = z.strictObject({ workerId: workerId.optional() });

/**
 * Told apart by `status` (absent means completed), so an error names the field at fault: `value` for
 * `{ value: "0.5" }`, `status` for an unknown status, `reason` for a bad reason.
 */
export const completeBody = z.discriminatedUnion(
  'status',
  [
    z.strictObject({ value: finite, status: z.literal('completed').optional() }),
    z.strictObject({ status: z.literal('failed'), reason: z.string({ error: 'must be a string' }).max(1000, 'at most 1000 characters').optional() }),
  ],
  { error: (iss) => (iss.code === 'invalid_union' ? 'must be "completed" (with a value) or "failed"' : undefined) },
);
export type CompleteInput = z.infer<typeof completeBody>;

const paramsObject = z.record(z.string(), z.unknown(), { error: 'must be an object of { paramName: value }' });
/**
 * One params object, or a list of them; each is checked against the study's space by the use case.
 * The list's length is checked after the union: inside it, a list too long failed both options at the
 * same depth and its message gave way to the union's.
 */
export const enqueueBody = z.strictObject({
  params: z
    .union([paramsObject, z.array(paramsObject)], { error: `must be a params object or a list of 1-${MAX_ENQUEUE_PER_CALL} of them` })
    .superRefine((params, ctx) => {
      if (!Array.isArray(params)) return;
      if (params.length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one entry' });
      if (params.length > MAX_ENQUEUE_PER_CALL) {
        ctx.addIssue({ code: 'custom', message: `at most ${MAX_ENQUEUE_PER_CALL} entries per call (got ${params.length}): enqueue more in several calls` });
      }
    }),
});

/** Query parameters arrive as strings: a limit is plain decimal digits (not 1e2, 0x10 or " 5"). */
export const listQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^[0-9]{1,7}$/, 'must be a whole number from 1 to 1000')
    .transform(Number)
    .pipe(z.number().min(1, 'must be a whole number from 1 to 1000').max(1000, 'must be a whole number from 1 to 1000'))
    .optional(),
  cursor: z.string().max(4096, 'is not a cursor this list returned (pass nextCursor back unchanged)').optional(),
});

export const emptyBody = z.strictObject({});
