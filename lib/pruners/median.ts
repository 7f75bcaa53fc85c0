/**
 * The `median` pruner (median stopping rule, as Optuna's MedianPruner): prune a run whose value at a
 * step is worse than the median of the other runs' values at that same step.
 *
 * Differences from Optuna, on purpose:
 * - By default it compares the run's value AT the step (the rule as specified); Optuna compares the
 *   trial's best value over all its steps so far, which forgives a noisy report: `bestSoFar: true`.
 * - Other runs count in every state (see countedValues): Optuna counts completed trials only, which
 *   with parallel workers ignores most of the evidence early on and compares against survivors only.
 *   The set compared against is a superset of Optuna's, so `minOthers: 1` is no less safe than there.
 * - `startupRuns` counts finished runs as the study does (completed or pruned); Optuna counts completed.
 */
import { z } from 'zod';
import { intAtLeast, parseWith } from '../strategies/options';
import type { PruneDecision, PruneInput, Pruner } from './pruner';
import { bestOf, countedValues, fmt, isNewestStep, isWorse, median, previousStep, worseWord } from './values';

const schema = z.strictObject({
  /** No pruning until this many runs have finished: the first curves set the bar (Optuna's default). */
  startupRuns: intAtLeast(0).default(5),
  /** No pruning at steps below this: early values of most curves say little about the final one. */
  warmupSteps: intAtLeast(0).default(0),
  /** Decide only at steps warmupSteps + k * intervalSteps (or the first report after one). */
  intervalSteps: intAtLeast(1).default(1),
  /** Do not decide on fewer other runs' values than this at the step (Optuna's n_min_trials). */
  minOthers: intAtLeast(1).default(1),
  /**
   * Compare the run's best value so far instead of its value at the step (Optuna's rule). Off by
   * default: the rule is specified on the value at the step.
   */
  bestSoFar: z.boolean({ error: 'must be true or false' }).default(false),
});

export type MedianOptions = z.infer<typeof schema>;

/**
 * Whether this report is a checkpoint: the step is at or past warm-up, is the run's newest, and no
 * earlier report of the run already fell in the same interval (so a run that reports every 3 steps
 * with intervalSteps 5 is still checked once per interval, at its first report inside it).
 */
export function isCheckStep(step: number, curve: ReadonlyMap<number, number>, o: MedianOptions): boolean {
  if (step < o.warmupSteps || !isNewestStep(step, curve)) return false;
  const boundary = o.warmupSteps + Math.floor((step - o.warmupSteps) / o.intervalSteps) * o.intervalSteps;
  return previousStep(step, curve) < boundary;
}

function decide({ direction, options: o, run, others, finishedRuns }: PruneInput<MedianOptions>): PruneDecision {
  if (finishedRuns < o.startupRuns) {
    return { prune: false, reason: `startup: ${finishedRuns} of ${o.startupRuns} runs finished` };
  }
  if (!isCheckStep(run.step, run.curve, o)) return { prune: false, reason: `step ${run.step} is not a check step` };
  if (!Number.isFinite(run.value)) return { prune: true, reason: `value at step ${run.step} is not a finite number` };
  const own = o.bestSoFar ? bestOf(run.curve.values(), direction) : run.value;
  const values = countedValues(others.get(run.step));
  if (values.length < o.minOthers) {
    return { prune: false, reason: `only ${values.length} other run(s) reported step ${run.step} (minOthers ${o.minOthers})` };
  }
  const m = median(values);
  const what = o.bestSoFar ? `best value so far ${fmt(own)} at step ${run.step}` : `value ${fmt(own)} at step ${run.step}`;
  const n = `${values.length} other run${values.length === 1 ? '' : 's'}`;
  if (isWorse(own, m, direction)) {
    return { prune: true, reason: `${what} is worse (${worseWord(direction)}) than the median ${fmt(m)} of ${n} at that step` };
  }
  return { prune: false, reason: `${what} is no worse than the median ${fmt(m)} of ${n}` };
}

export const medianPruner: Pruner<MedianOptions> = {
  name: 'median',
  parseOptions: (raw) => parseWith(schema, raw, 'pruner'),
  startupRuns: (options) => options.startupRuns,
  // During startup nothing is decided: load nothing.
  stepsToLoad: ({ step, options, curve, finishedRuns }) =>
    (finishedRuns ?? Infinity) >= options.startupRuns && isCheckStep(step, curve, options) ? [step] : [],
  decide,
};
