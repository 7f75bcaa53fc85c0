/** What the TPE model learns from each run state (docs/strategies.md, "Run states"). */
import { describe, expect, it } from 'vitest';
import type { Space, Trial } from '../../../lib/domain/types';
import { nGoodFor, splitHistory } from '../../../lib/strategies/tpe/split';

const space: Space = [
  { name: 'x', type: 'float', low: 0, high: 10 },
  { name: 'c', type: 'categorical', choices: ['a', 'b'] },
];
const t = (number: number, x: number, state: Trial['state'], value?: number): Trial => ({ number, params: { x, c: 'b' }, state, ...(value !== undefined ? { value } : {}) });
const opts = { gamma: 0.2, maxGood: 25, constantLiar: true };

describe('splitHistory', () => {
  const history = [t(0, 1, 'completed', 5), t(1, 2, 'completed', 1), t(2, 3, 'pruned', 0), t(3, 4, 'failed'), t(4, 5, 'timed_out'), t(5, 6, 'running'), t(6, 7, 'completed', 3), t(-1, 8, 'completed', 2)];

  it('ranks completed and warm-start runs, sends pruned and running runs to the bad group, ignores failures', () => {
    const s = splitHistory(space, history, 'minimize', opts);
    expect(s.nCompleted).toBe(4);
    // ceil(0.2 · 4) = 1 good run: value 1 at x = 2 → unit 0.2, choice index 1.
    expect(s.good).toEqual([[0.2, 1]]);
    // The other completed runs by value (2, 3, 5), then pruned (x=3) and running (x=6); no failed/timed out.
    expect(s.bad.map((p) => p[0])).toEqual([0.8, 0.7, 0.1, 0.3, 0.6]);
  });

  it('flips the ranking for maximize', () => {
    expect(splitHistory(space, history, 'maximize', opts).good).toEqual([[0.1, 1]]);
  });

  it('leaves running runs out when the constant liar is off', () => {
    expect(splitHistory(space, history, 'minimize', { ...opts, constantLiar: false }).bad).toHaveLength(4);
  });

  it('caps the good group', () => {
    expect(nGoodFor(1000, 0.2, 25)).toBe(25);
    expect(nGoodFor(3, 0.2, 25)).toBe(1);
  });
});
