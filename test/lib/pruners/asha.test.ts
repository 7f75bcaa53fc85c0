import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors';
import { ashaPruner, rungAt } from '../../../lib/pruners/asha';
import { type Curve, mirrored, replay, steps1 } from './replay';
import { thrownBy } from '../../support/errors';

// Loss curves (minimize) at steps 1..5, reported one run after another.
const curves = [
  steps1(0.9, 0.8, 0.7, 0.6, 0.5),
  steps1(0.8, 0.85, 0.6, 0.55, 0.5),
  steps1(1.0, 0.9, 0.8, 0.7, 0.6),
  steps1(0.85, 0.7, 0.65, 0.5, 0.4),
  steps1(0.95, 0.9, 0.85, 0.8, 0.75),
  steps1(0.82, 0.75, 0.66, 0.58, 0.5),
];

describe('asha pruner on hand-made curves', () => {
  it('keeps only the top max(1, floor(n / eta)) at each rung', () => {
    // eta 2, rungs at steps 1, 2, 4. Worked by hand (values at the rung, this run's included):
    // run 0: alone at every rung → kept.
    // run 1: rung 1 {0.9, 0.8}: keep 1, best → kept; rung 2 {0.8, 0.85}: keep 1, 0.85 → pruned at 2.
    // run 2: rung 1 {0.9, 0.8, 1.0}: keep 1 → pruned at 1.
    // run 3: rung 1 {.., 0.85}: n 4 keep 2, bar 0.85 → kept (tie); rung 2 {0.8, 0.85, 0.7}: best;
    //        rung 4 {0.6, 0.5}: best → completed.
    // run 4: rung 1 n 5 keep 2, bar 0.85, 0.95 → pruned at 1.
    // run 5: rung 1 n 6 keep 3, bar 0.85 → kept; rung 2 {0.8, 0.85, 0.7, 0.75} keep 2, bar 0.75 → kept;
    //        rung 4 {0.6, 0.5, 0.58} keep 1, bar 0.5 → pruned at 4.
    const r = replay(ashaPruner, { reductionFactor: 2 }, 'minimize', curves);
    expect(r.outcome).toEqual({ 0: 'completed', 1: 'pruned@2', 2: 'pruned@1', 3: 'completed', 4: 'pruned@1', 5: 'pruned@4' });
    expect(r.decisions[4].reason).toBe('value 0.95 at step 1 (rung 0) is not among the best 2 of 5 runs that reached that rung (needed 0.85 or better)');
    expect(r.decisions[1].reason).toBe('value 0.85 at step 2 (rung 1) is not among the best of 2 runs that reached that rung (needed 0.8 or better)');
  });

  it('mirrors the decisions for a maximized study', () => {
    const r = replay(ashaPruner, { reductionFactor: 2 }, 'maximize', mirrored(curves));
    expect(r.outcome).toEqual({ 0: 'completed', 1: 'pruned@2', 2: 'pruned@1', 3: 'completed', 4: 'pruned@1', 5: 'pruned@4' });
  });

  it('starts the rungs later with minEarlyStoppingRate', () => {
    // Rungs at steps 2 and 4 only. Rung 2: run 1 {0.8, 0.85} → pruned; run 2 {.., 0.9} keep 1 → pruned;
    // run 3 {0.8, 0.85, 0.9, 0.7} keep 2 → kept; run 4 {.., 0.9} n 5 keep 2, bar 0.8 → pruned;
    // run 5 {.., 0.75} n 6 keep 3, bar 0.8 → kept, then rung 4 {0.6, 0.5, 0.58} → pruned.
    const r = replay(ashaPruner, { reductionFactor: 2, minEarlyStoppingRate: 1 }, 'minimize', curves);
    expect(r.outcome).toEqual({ 0: 'completed', 1: 'pruned@2', 2: 'pruned@2', 3: 'completed', 4: 'pruned@2', 5: 'pruned@4' });
    // minResource 2 puts the rungs at the same steps.
    expect(replay(ashaPruner, { reductionFactor: 2, minResource: 2 }, 'minimize', curves).outcome).toEqual(r.outcome);
  });

  it('has no rung at or past maxResource', () => {
    // Rungs at 1 and 2 only: run 5 is no longer judged at step 4.
    const r = replay(ashaPruner, { reductionFactor: 2, maxResource: 4 }, 'minimize', curves);
    expect(r.outcome).toEqual({ 0: 'completed', 1: 'pruned@2', 2: 'pruned@1', 3: 'completed', 4: 'pruned@1', 5: 'completed' });
  });

  it('judges a run that skips a rung step at the next rung step it reports', () => {
    // eta 3, rungs 1, 3, 9. Run 1 reports steps 2, 4, 9: not judged until step 9, where it is worse
    // than run 0 alone → pruned at 9. Run 2 reports step 10 only: never on a rung.
    const c: Curve[] = [
      { 1: 0.5, 3: 0.4, 9: 0.3 },
      { 2: 0.9, 4: 0.9, 9: 0.9 },
      { 10: 5 },
    ];
    const r = replay(ashaPruner, {}, 'minimize', c);
    expect(r.outcome).toEqual({ 0: 'completed', 1: 'pruned@9', 2: 'completed' });
  });

  it('counts the run that asks among the values at the rung', () => {
    // Two others at the rung, eta 3: n = 3 with this run, keep 1. Without itself, n = 2 → keep 1 too,
    // but at 5 others n = 6 keeps 2: the second best continues.
    const options = ashaPruner.parseOptions({});
    const others = new Map([[3, [0.1, 0.2, 0.3, 0.4, 0.5].map((value, number) => ({ number, value, state: 'completed' as const }))]]);
    const run = { number: 7, step: 3, value: 0.15, curve: new Map([[1, 0.2], [3, 0.15]]) };
    expect(ashaPruner.decide({ direction: 'minimize', options, run, others, finishedRuns: 5 }).prune).toBe(false);
    expect(ashaPruner.decide({ direction: 'minimize', options, run: { ...run, value: 0.25 }, others, finishedRuns: 5 }).prune).toBe(true);
  });

  it('loads only a rung step that is the run\'s newest', () => {
    const o = ashaPruner.parseOptions({});
    expect(ashaPruner.stepsToLoad({ step: 3, options: o, curve: new Map([[3, 1]]) })).toEqual([3]);
    expect(ashaPruner.stepsToLoad({ step: 4, options: o, curve: new Map([[4, 1]]) })).toEqual([]);
    expect(ashaPruner.stepsToLoad({ step: 3, options: o, curve: new Map([[3, 1], [5, 1]]) })).toEqual([]);
  });
});

describe('asha rungs', () => {
  it('sit at minResource * eta^(s + k)', () => {
    const o = ashaPruner.parseOptions({ minResource: 2, reductionFactor: 3, minEarlyStoppingRate: 1 });
    const rungs = Array.from({ length: 200 }, (_, s) => s).filter((s) => rungAt(s, o) !== undefined);
    expect(rungs).toEqual([6, 18, 54, 162]);
    expect(rungAt(54, o)).toBe(2);
    const capped = ashaPruner.parseOptions({ minResource: 2, reductionFactor: 3, minEarlyStoppingRate: 1, maxResource: 54 });
    expect(Array.from({ length: 200 }, (_, s) => s).filter((s) => rungAt(s, capped) !== undefined)).toEqual([6, 18]);
  });
});

describe('asha options', () => {
  it('fills in the documented defaults', () => {
    expect(ashaPruner.parseOptions({})).toEqual({ minResource: 1, reductionFactor: 3, minEarlyStoppingRate: 0 });
  });

  it.each([
    [{ minResource: 0 }, 'pruner.minResource', 'must be >= 1'],
    [{ reductionFactor: 1 }, 'pruner.reductionFactor', 'must be >= 2'],
    [{ reductionFactor: 2.5 }, 'pruner.reductionFactor', 'must be an integer from 2 to 9007199254740991'],
    [{ minEarlyStoppingRate: -1 }, 'pruner.minEarlyStoppingRate', 'must be >= 0'],
    [{ maxResource: 3, minResource: 3 }, 'pruner.maxResource', 'must be greater than the first rung at step 3 (minResource * reductionFactor^minEarlyStoppingRate), or nothing is ever pruned; got 3'],
    [{ reductionFactor: 2, minEarlyStoppingRate: 100 }, 'pruner.minEarlyStoppingRate', 'puts the first rung (minResource * reductionFactor^minEarlyStoppingRate = 1.2676506002282294e+30) past step 1000000000000000, the largest step a run can report'],
    [{ eta: 3 }, 'pruner', 'unknown option(s): eta'],
  ])('rejects %j naming the field', (raw, path, message) => {
    const err = thrownBy(() => ashaPruner.parseOptions(raw));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues).toEqual([{ path, message }]);
  });
});
