import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../../lib/domain/types';
import { ashaPruner } from '../../../lib/pruners/asha';
import { medianPruner } from '../../../lib/pruners/median';
import type { Pruner, StepValue } from '../../../lib/pruners/pruner';

const value = fc.double({ min: -1e6, max: 1e6, noNaN: true });
const direction = fc.constantFrom<Direction>('minimize', 'maximize');
const states = fc.constantFrom('running', 'completed', 'pruned', 'failed', 'timed_out' as const);

/** One report at `step` (a rung step for the default ASHA options) against the others' values. */
function decideAt(p: Subject, dir: Direction, own: number, others: number[], st: StepValue['state'][], step = 9) {
  const options = p.parseOptions(p.name === 'median' ? { startupRuns: 0 } : {});
  const at = others.map((v, i) => ({ number: i, value: v, state: st[i % st.length] }));
  return p.decide({
    direction: dir,
    options,
    run: { number: 99, step, value: own, curve: new Map([[step, own]]) },
    others: new Map([[step, at]]),
    finishedRuns: 100,
  });
}

type Subject = Pruner<any>;

describe.each<[string, Subject]>([
  ['median', medianPruner],
  ['asha', ashaPruner],
])('%s pruner properties', (_name, pruner) => {
  it('never prunes a run whose value is the best at the step', () => {
    fc.assert(
      fc.property(direction, fc.array(value, { maxLength: 30 }), fc.array(states, { minLength: 1 }), (dir, others, st) => {
        const best = others.length === 0 ? 0 : dir === 'minimize' ? Math.min(...others) : Math.max(...others);
        expect(decideAt(pruner, dir, best, others, st).prune).toBe(false);
      }),
    );
  });

  it('decides a maximized study as the minimized mirror image', () => {
    fc.assert(
      fc.property(value, fc.array(value, { maxLength: 30 }), fc.array(states, { minLength: 1 }), (own, others, st) => {
        const p = pruner;
        const min = decideAt(p, 'minimize', own, others, st).prune;
        const max = decideAt(p, 'maximize', -own, others.map((v) => -v), st).prune;
        expect(max).toBe(min);
      }),
    );
  });

  it('never prunes a better value where it prunes a worse one (monotone)', () => {
    fc.assert(
      fc.property(direction, value, value, fc.array(value, { minLength: 1, maxLength: 30 }), (dir, a, b, others) => {
        const p = pruner;
        const [better, worse] = (dir === 'minimize' ? a <= b : a >= b) ? [a, b] : [b, a];
        if (decideAt(p, dir, better, others, ['running']).prune) {
          expect(decideAt(p, dir, worse, others, ['running']).prune).toBe(true);
        }
      }),
    );
  });
});

describe('asha keeps its share', () => {
  // Distinct by ===, not Object.is: 0 and -0 are one value, and a tie keeps both (found as [0, -0], eta 2).
  it('keeps exactly max(1, floor(n / eta)) of n distinct values judged against the full rung', () => {
    fc.assert(
      fc.property(fc.uniqueArray(value, { minLength: 1, maxLength: 40, comparator: 'IsStrictlyEqual' }), fc.integer({ min: 2, max: 5 }), (vals, eta) => {
        const options = ashaPruner.parseOptions({ reductionFactor: eta });
        const kept = vals.filter((own, i) => {
          const others = vals.filter((_, j) => j !== i).map((v, j) => ({ number: j, value: v, state: 'completed' as const }));
          return !ashaPruner.decide({
            direction: 'minimize',
            options,
            run: { number: 99, step: 1, value: own, curve: new Map([[1, own]]) },
            others: new Map([[1, others]]),
            finishedRuns: 0,
          }).prune;
        });
        expect(kept.length).toBe(Math.max(1, Math.floor(vals.length / eta)));
      }),
    );
  });
});
