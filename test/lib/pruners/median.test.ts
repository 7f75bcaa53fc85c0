import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors';
import { isCheckStep, medianPruner } from '../../../lib/pruners/median';
import type { StepValue } from '../../../lib/pruners/pruner';
import { mirrored, replay, steps1 } from './replay';
import { thrownBy } from '../../support/errors';

// Loss curves (minimize) at steps 1..4, reported one run after another.
const curves = [
  steps1(1.0, 0.8, 0.6, 0.5),
  steps1(0.9, 0.7, 0.5, 0.4),
  steps1(0.95, 0.75, 0.7, 0.65),
  steps1(0.5, 0.4, 0.3, 0.2),
  steps1(1.2, 1.1, 1.0, 0.9),
];

describe('median pruner on hand-made curves', () => {
  it('prunes exactly the runs worse than the median of the others at a step', () => {
    // Run 2: ties the medians at steps 1-2 (0.95, 0.75: not worse), 0.7 > median(0.6, 0.5) = 0.55 at step 3.
    // Run 3: best everywhere. Run 4: 1.2 > median(1.0, 0.9, 0.95, 0.5) = 0.925 at step 1.
    const r = replay(medianPruner, { startupRuns: 2 }, 'minimize', curves);
    expect(r.outcome).toEqual({ 0: 'completed', 1: 'completed', 2: 'pruned@3', 3: 'completed', 4: 'pruned@1' });
    expect(r.decisions[2].reason).toBe('value 0.7 at step 3 is worse (higher) than the median 0.55 of 2 other runs at that step');
    expect(r.decisions[4].reason).toBe('value 1.2 at step 1 is worse (higher) than the median 0.925 of 4 other runs at that step');
  });

  it('mirrors the decisions for a maximized study', () => {
    const r = replay(medianPruner, { startupRuns: 2 }, 'maximize', mirrored(curves));
    expect(r.outcome).toEqual({ 0: 'completed', 1: 'completed', 2: 'pruned@3', 3: 'completed', 4: 'pruned@1' });
    expect(r.decisions[2].reason).toBe('value -0.7 at step 3 is worse (lower) than the median -0.55 of 2 other runs at that step');
  });

  it('does not prune until startupRuns runs have finished', () => {
    // Run 4 reports when only 4 runs have finished.
    const r = replay(medianPruner, { startupRuns: 5 }, 'minimize', curves);
    expect(Object.values(r.outcome)).toEqual(Array(5).fill('completed'));
    // With the default (5) the same holds; with 4, run 4 is judged and pruned but run 2 is not.
    expect(replay(medianPruner, {}, 'minimize', curves).outcome[4]).toBe('completed');
    expect(replay(medianPruner, { startupRuns: 4 }, 'minimize', curves).outcome).toMatchObject({ 2: 'completed', 4: 'pruned@1' });
  });

  it('does not prune at steps below warmupSteps', () => {
    // Step 4 only: run 2 0.65 > median(0.5, 0.4) = 0.45; run 3 fine; run 4 0.9 > median(0.5, 0.4, 0.65, 0.2) = 0.45.
    const r = replay(medianPruner, { startupRuns: 2, warmupSteps: 4 }, 'minimize', curves);
    expect(r.outcome).toEqual({ 0: 'completed', 1: 'completed', 2: 'pruned@4', 3: 'completed', 4: 'pruned@4' });
  });

  it('decides only once per intervalSteps', () => {
    // Checks at steps 1 (first report in [0, 2)), 2 and 4: run 2 is past step 3 unjudged, pruned at 4.
    const r = replay(medianPruner, { startupRuns: 2, intervalSteps: 2 }, 'minimize', curves);
    expect(r.outcome).toEqual({ 0: 'completed', 1: 'completed', 2: 'pruned@4', 3: 'completed', 4: 'pruned@1' });
  });

  it('does not decide on fewer than minOthers values at the step', () => {
    // Run 2 only ever has 2 others; runs 3 and 4 have at least 3 at step 1.
    const r = replay(medianPruner, { startupRuns: 2, minOthers: 3 }, 'minimize', curves);
    expect(r.outcome).toEqual({ 0: 'completed', 1: 'completed', 2: 'completed', 3: 'completed', 4: 'pruned@1' });
  });

  it('counts the values of running, pruned, timed-out and failed runs alike', () => {
    const others = new Map<number, StepValue[]>([
      [3, [
        { number: 0, value: 0.2, state: 'running' },
        { number: 1, value: 0.3, state: 'pruned' },
        { number: 2, value: 0.4, state: 'timed_out' },
        { number: 4, value: 0.6, state: 'failed' },
      ]],
    ]);
    const options = medianPruner.parseOptions({ startupRuns: 0 });
    const input = { direction: 'minimize' as const, options, others, finishedRuns: 0 };
    const curve = new Map([[3, 0.36]]);
    expect(medianPruner.decide({ ...input, run: { number: 9, step: 3, value: 0.36, curve } })).toMatchObject({
      prune: true,
      reason: 'value 0.36 at step 3 is worse (higher) than the median 0.35 of 4 other runs at that step',
    });
    expect(medianPruner.decide({ ...input, run: { number: 9, step: 3, value: 0.35, curve } }).prune).toBe(false);
  });

  it('interleaves parallel workers: a running run\'s reported values already count', () => {
    // Runs 0 and 1 start together; run 0 finishes first (startupRuns 1). Run 2 then reports 0.45 at
    // step 1: worse than median(0.5 of run 0, 0.3 of run 1 still running) = 0.4, so it is pruned
    // (counting completed runs only, it would have been compared with 0.5 and kept).
    const c = [steps1(0.5, 0.4), steps1(0.3, 0.25, 0.2), steps1(0.45, 0.1)];
    const r = replay(medianPruner, { startupRuns: 1 }, 'minimize', c, [0, 1, 0, 2, 1, 1, 2]);
    expect(r.outcome).toEqual({ 0: 'completed', 1: 'completed', 2: 'pruned@1' });
    expect(r.decisions[2].reason).toBe('value 0.45 at step 1 is worse (higher) than the median 0.4 of 2 other runs at that step');
  });

  it('compares the best value so far instead of the value at the step with bestSoFar', () => {
    // A noisy step: 0.9 at step 2 is worse than median(0.6, 0.7) = 0.65, but the run's best so far,
    // 0.5 at step 1, is not.
    const others = new Map<number, StepValue[]>([[2, [{ number: 0, value: 0.6, state: 'completed' }, { number: 1, value: 0.7, state: 'running' }]]]);
    const run = { number: 2, step: 2, value: 0.9, curve: new Map([[1, 0.5], [2, 0.9]]) };
    const at = (raw: Record<string, unknown>) =>
      medianPruner.decide({ direction: 'minimize', options: medianPruner.parseOptions({ startupRuns: 0, ...raw }), run, others, finishedRuns: 0 });
    expect(at({}).prune).toBe(true);
    expect(at({ bestSoFar: true })).toEqual({
      prune: false,
      reason: 'best value so far 0.5 at step 2 is no worse than the median 0.65 of 2 other runs',
    });
  });

  it('loads only the step it will decide on', () => {
    const o = medianPruner.parseOptions({ warmupSteps: 2, intervalSteps: 5 });
    const curve = new Map([[0, 1], [3, 1]]);
    expect(medianPruner.stepsToLoad({ step: 3, options: o, curve })).toEqual([3]);
    expect(medianPruner.stepsToLoad({ step: 0, options: o, curve: new Map([[0, 1]]) })).toEqual([]);
  });
});

describe('median check steps with irregular reports', () => {
  const check = (reported: number[], warmupSteps: number, intervalSteps: number) => {
    const o = medianPruner.parseOptions({ warmupSteps, intervalSteps });
    const curve = new Map<number, number>();
    return reported.map((s) => {
      curve.set(s, 0);
      return isCheckStep(s, curve, o);
    });
  };

  it('checks at the first report inside each interval', () => {
    expect(check([0, 3, 6, 9], 0, 5)).toEqual([true, false, true, false]);
    expect(check([0, 3, 6, 9], 2, 5)).toEqual([false, true, false, true]);
    expect(check([1, 2, 3, 4], 0, 1)).toEqual([true, true, true, true]);
  });

  it('does not judge a late report of an earlier step', () => {
    expect(check([4, 2], 0, 1)).toEqual([true, false]);
  });
});

describe('median options', () => {
  it('fills in the documented defaults', () => {
    expect(medianPruner.parseOptions({})).toEqual({ startupRuns: 5, warmupSteps: 0, intervalSteps: 1, minOthers: 1, bestSoFar: false });
  });

  it.each([
    [{ startupRuns: -1 }, 'pruner.startupRuns', 'must be >= 0'],
    [{ warmupSteps: 1.5 }, 'pruner.warmupSteps', 'must be an integer from 0 to 9007199254740991'],
    [{ intervalSteps: 0 }, 'pruner.intervalSteps', 'must be >= 1'],
    [{ minOthers: 0 }, 'pruner.minOthers', 'must be >= 1'],
    [{ minOthers: '3' }, 'pruner.minOthers', 'must be an integer >= 1'],
    [{ bestSoFar: 'yes' }, 'pruner.bestSoFar', 'must be true or false'],
    [{ percentile: 25 }, 'pruner', 'unknown option(s): percentile'],
  ])('rejects %j naming the field', (raw, path, message) => {
    const err = thrownBy(() => medianPruner.parseOptions(raw));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues).toEqual([{ path, message }]);
  });
});
