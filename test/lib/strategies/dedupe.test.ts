/**
 * The no-duplicates fallback and the grid's order in spaces too large to list (an int may have 2^53
 * values), and points that arrive from outside the strategies (enqueued, warm start) on a stepped grid.
 */
import { describe, expect, it } from 'vitest';
import type { Params, Space, Trial } from '../../../lib/domain/types';
import { createRng } from '../../../lib/random';
import { unseenOr } from '../../../lib/strategies/dedupe';
import { getStrategy } from '../../../lib/strategies/registry';
import { toModelPoint } from '../../../lib/strategies/tpe/split';
import { paramsKey, paramsProblems } from '../../../lib/space/transform';

const MAX = Number.MAX_SAFE_INTEGER;

describe('unseenOr', () => {
  it('draws an unseen point of an int with 2^53 values without listing them', () => {
    const space: Space = [
      { name: 'c', type: 'categorical', choices: ['only'] },
      { name: 'n', type: 'int', low: 0, high: MAX },
      { name: 'l', type: 'int', low: 1, high: MAX, log: true },
    ];
    const preferred: Params = { c: 'only', n: 5, l: 7 };
    const used = new Set([paramsKey(space, preferred)]);
    const p = unseenOr(space, used, preferred, createRng(1));
    expect(paramsProblems(space, p)).toEqual([]);
    expect(used.has(paramsKey(space, p))).toBe(false);
  });

  it('draws every param uniformly, the last of 100 as much as the first', () => {
    const space: Space = Array.from({ length: 100 }, (_, i) => ({ name: `b${i}`, type: 'int' as const, low: 0, high: 1 }));
    const preferred: Params = Object.fromEntries(space.map((d) => [d.name, 0]));
    const used = new Set([paramsKey(space, preferred)]);
    const rng = createRng(7);
    const ones = new Array(100).fill(0);
    for (let t = 0; t < 400; t++) {
      const p = unseenOr(space, used, preferred, rng);
      space.forEach((d, i) => (ones[i] += p[d.name] as number));
    }
    // Binomial(400, 1/2): below 140 or above 260 has a probability under 1e-9 per param.
    for (const n of ones) expect(n).toBeGreaterThan(140), expect(n).toBeLessThan(260);
  });
});

describe('grid', () => {
  const grid = getStrategy('grid');
  const propose = (space: Space, history: Trial[], seed: number) =>
    grid.propose({ space, history, direction: 'minimize', rng: createRng(seed), options: grid.parseOptions({}, space), number: history.length, seed });

  it('gives seeds that differ only above 32 bits orders of their own', () => {
    const space: Space = [{ name: 'n', type: 'int', low: 0, high: 999 }];
    expect(propose(space, [], 1)).not.toEqual(propose(space, [], 2 ** 32 + 1));
  });

  it('hands out every point of a decimal grid exactly once, as the decimals themselves (no -0.0099999999999998)', () => {
    const space: Space = [{ name: 'x', type: 'float', low: -5, high: 5, step: 0.01 }];
    // An enqueued -0.01 (what the API stores even for -0.0099999999999998: canonicalParams) is used up.
    const history: Trial[] = [{ number: 0, params: { x: -0.01 }, state: 'completed', value: 0 }];
    for (let i = 0; i < 1000; i++) history.push({ number: history.length, params: propose(space, history, 3), state: 'completed', value: 0 });
    const xs = history.map((t) => t.params.x as number);
    expect(new Set(xs).size).toBe(1001);
    expect(xs.every((x) => x === Number(x.toFixed(2)))).toBe(true);
    expect(() => propose(space, history, 3)).toThrow(/all 1001 grid points/);
  });
});

describe('toModelPoint', () => {
  it('leaves out a run whose log param is not positive instead of feeding NaN to the model', () => {
    const space: Space = [{ name: 'lr', type: 'float', low: 1e-5, high: 1, log: true }];
    expect(toModelPoint(space, { lr: -1 })).toBeUndefined();
    expect(toModelPoint(space, { lr: 1e-5 })).toEqual([0]);
  });
});
