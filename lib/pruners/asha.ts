/**
 * The `asha` pruner: asynchronous successive halving (Li et al. 2020, "A System for Massively
 * Parallel Hyperparameter Tuning"), with the semantics of Optuna's SuccessiveHalvingPruner.
 *
 * Rung k sits at step minResource * reductionFactor^(minEarlyStoppingRate + k). When a run reports
 * at a rung step, its value joins that rung, and the run continues only if the value is among the
 * best max(1, floor(n / reductionFactor)) of the n values recorded at the rung by every run that
 * reached it (itself included, any state). Otherwise it is pruned.
 *
 * Differences, on purpose:
 * - A rung value is the value reported at exactly the rung step. A run that skips a rung step is
 *   judged at the next rung step it reports. (Optuna records the value of the first report at or past
 *   the rung; that needs each run's own rung record, which a pure decision over values at given
 *   steps cannot see. Trainers that report every step, or every k steps with rungs on multiples of
 *   k, lose nothing.)
 * - Like Optuna, and unlike the paper, a run cannot be paused and promoted later: a run not promoted
 *   now is pruned. With fewer than reductionFactor values at a rung, only a run that is the best so
 *   far continues (the paper would keep it waiting; Optuna makes the same compromise).
 * - `maxResource` (optional, the paper's R) ends the rungs: there is no rung at or past it, because a
 *   run that got there has finished its training budget. Without it rungs go on forever.
 * - `minResource` defaults to 1, not Optuna's 'auto' (which needs a finished trial's step count).
 */
import { z } from 'zod';
import { MAX_STEP } from '../domain/types';
import { ValidationError } from '../errors';
import { intAtLeast, parseWith } from '../strategies/options';
import type { PruneDecision, PruneInput, Pruner } from './pruner';
import { bestFirst, countedValues, fmt, isNewestStep, isWorse } from './values';

const schema = z.strictObject({
  /** Steps before the first rung: the least training after which values are worth comparing. */
  minResource: intAtLeast(1).default(1),
  /** eta: keep the top 1/eta at each rung; rungs are eta times further apart each time. */
  reductionFactor: intAtLeast(2).default(3),
  /** s: skips the first s rungs (the first rung is at minResource * eta^s); 0 prunes most. */
  minEarlyStoppingRate: intAtLeast(0).default(0),
  /** The full training budget in steps: no rung at or past it. Optional. */
  maxResource: intAtLeast(1).optional(),
});

/** The largest step the metrics API accepts. */

export type AshaOptions = z.infer<typeof schema>;

/** The step of rung k. */
export function rungStep(k: number, o: AshaOptions): number {
  return o.minResource * o.reductionFactor ** (o.minEarlyStoppingRate + k);
}

/** The rung index whose step is exactly `step`, or undefined if no rung sits there. */
export function rungAt(step: number, o: AshaOptions): number | undefined {
  for (let k = 0; ; k++) {
    const r = rungStep(k, o);
    if (r > step || (o.maxResource !== undefined && r >= o.maxResource)) return undefined;
    if (r === step) return k;
  }
}

function parseOptions(raw: Record<string, unknown>): AshaOptions {
  const o = parseWith(schema, raw, 'pruner');
  const first = rungStep(0, o);
  if (first > MAX_STEP) {
    throw new ValidationError(
      `puts the first rung (minResource * reductionFactor^minEarlyStoppingRate = ${first}) past step ${MAX_STEP}, the largest step a run can report`,
      'pruner.minEarlyStoppingRate',
    );
  }
  if (o.maxResource !== undefined && o.maxResource <= first) {
    throw new ValidationError(
      `must be greater than the first rung at step ${first} (minResource * reductionFactor^minEarlyStoppingRate), or nothing is ever pruned; got ${o.maxResource}`,
      'pruner.maxResource',
    );
  }
  return o;
}

function isDecisionStep(step: number, curve: ReadonlyMap<number, number>, o: AshaOptions): boolean {
  return rungAt(step, o) !== undefined && isNewestStep(step, curve);
}

function decide({ direction, options: o, run, others }: PruneInput<AshaOptions>): PruneDecision {
  const rung = rungAt(run.step, o);
  if (rung === undefined || !isNewestStep(run.step, run.curve)) {
    return { prune: false, reason: `step ${run.step} is not a rung step` };
  }
  if (!Number.isFinite(run.value)) return { prune: true, reason: `value at step ${run.step} is not a finite number` };
  const values = [...countedValues(others.get(run.step)), run.value];
  const keep = Math.max(1, Math.floor(values.length / o.reductionFactor));
  const bar = bestFirst(values, direction)[keep - 1];
  const where = `at step ${run.step} (rung ${rung})`;
  const top = keep === 1 ? 'the best' : `the best ${keep}`;
  if (isWorse(run.value, bar, direction)) {
    return {
      prune: true,
      reason: `value ${fmt(run.value)} ${where} is not among ${top} of ${values.length} runs that reached that rung (needed ${fmt(bar)} or better)`,
    };
  }
  return { prune: false, reason: `value ${fmt(run.value)} ${where} is among ${top} of ${values.length} runs that reached that rung` };
}

export const ashaPruner: Pruner<AshaOptions> = {
  name: 'asha',
  parseOptions,
  startupRuns: () => 0,
  stepsToLoad: ({ step, options, curve }) => (isDecisionStep(step, curve, options) ? [step] : []),
  decide,
};
