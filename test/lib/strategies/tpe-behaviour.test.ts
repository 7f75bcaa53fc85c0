/** TPE and qmc behaviours the service relies on: learning, parallel asks, no duplicates, options. */
import { describe, expect, it } from 'vitest';
import type { Params, Space, Trial } from '../../../lib/domain/types';
import { ValidationError } from '../../../lib/errors';
import { createRng, mixSeed } from '../../../lib/random';
import { paramsKey, spaceSize } from '../../../lib/space/transform';
import { getStrategy } from '../../../lib/strategies/registry';
import { parseTpeOptions, TPE_DEFAULTS } from '../../../lib/strategies/tpe/options';
import { independentTurn } from '../../../lib/strategies/tpe/sampler';

const square: Space = [
  { name: 'x', type: 'float', low: -5, high: 5 },
  { name: 'y', type: 'float', low: -5, high: 5 },
];
const quadratic = (p: Params) => ((p.x as number) - 1.3) ** 2 + 2 * ((p.y as number) + 0.7) ** 2;

function propose(name: string, space: Space, history: Trial[], seed: number, number: number, raw: Record<string, unknown> = {}): Params {
  const s = getStrategy(name);
  return s.propose({ space, history, direction: 'minimize', rng: createRng(mixSeed(seed, number)), options: s.parseOptions(raw, space), number, seed });
}

/** Best value after `budget` sequential runs of strategy `name` on `objective`. */
function bestAfter(name: string, space: Space, objective: (p: Params) => number, seed: number, budget: number): number {
  const history: Trial[] = [];
  let best = Infinity;
  for (let n = 0; n < budget; n++) {
    const params = propose(name, space, history, seed, n);
    const value = objective(params);
    best = Math.min(best, value);
    history.push({ number: n, params, state: 'completed', value });
  }
  return best;
}

const finalRegret = (name: string, seed: number, budget: number) => bestAfter(name, square, quadratic, seed, budget);
/** How many of seeds 1..20 reach a value below `below` within 100 runs of `tpe`. */
const seedsReaching = (space: Space, objective: (p: Params) => number, below: number) =>
  Array.from({ length: 20 }, (_, i) => bestAfter('tpe', space, objective, i + 1, 100)).filter((v) => v < below).length;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[4] + s[5]) / 2;
};

describe('TPE learns', () => {
  // Statistical claim, made deterministic by fixed seeds 1..10. Over 50 other disjoint groups of 10
  // seeds (seeds 11..510, measured with the current defaults) TPE's median regret was below random's in
  // 50 of 50: the false-failure rate for a fresh group of seeds is 0/50 observed, at most 6% (95% upper
  // bound, rule of three). With these fixed seeds the test is deterministic and never flakes.
  it("has a lower median regret than random after 40 runs on a 2-D quadratic (10 seeds)", () => {
    const seeds = Array.from({ length: 10 }, (_, i) => i + 1);
    const tpe = median(seeds.map((s) => finalRegret('tpe', s, 40)));
    const random = median(seeds.map((s) => finalRegret('random', s, 40)));
    expect(tpe).toBeLessThan(random);
  });
});

describe('weak discrete params', () => {
  // A strong float and a weak int (ML's learning rate and batch size): once every good run shares one
  // int value, l(x) must still reach the neighbouring values, or the search keeps whatever value its
  // first good run had. "Found" = best value within 0.01 of the optimum 0.1, which only n = 1 reaches.
  // Statistical claim made deterministic by seeds 1..20: over 50 other disjoint groups of 20 seeds
  // (21..1020) at least 17 of 20 found it in every group (so the false-failure rate for a fresh group
  // is at most 6 %, rule of three); with kernels allowed below one step the groups ranged 10..20 and
  // seeds 1..20 gave 15, so this fails without the slice floor.
  const space: Space = [
    { name: 'x', type: 'float', low: -5, high: 5 },
    { name: 'n', type: 'int', low: 1, high: 9 },
  ];
  const objective = (p: Params) => ((p.x as number) - 1) ** 2 + (p.n as number) / 10;

  it('moves a weak int off the value of its first good runs (optimum found in >= 17 of 20 seeds at 100 runs)', () => {
    expect(seedsReaching(space, objective, 0.11)).toBeGreaterThanOrEqual(17);
  });

  it('flips binary and three-valued ints off their first good values (optimum in >= 17 of 20 seeds at 100 runs)', () => {
    // Same kind of claim: over the 50 other groups of 20 seeds at least 17 found the optimum (within
    // 0.01) in every group; without the slice floor every group found it at most 9 times, seeds 1..20 8.
    const bits: Space = [
      { name: 'x', type: 'float', low: -5, high: 5 },
      { name: 'b1', type: 'int', low: 0, high: 1 },
      { name: 'b2', type: 'int', low: 0, high: 1 },
      { name: 't', type: 'int', low: 0, high: 2 },
    ];
    const f = (p: Params) => ((p.x as number) - 1) ** 2 + 0.3 * (p.b1 as number) + 0.2 * (p.b2 as number) + 0.1 * (p.t as number);
    expect(seedsReaching(bits, f, 0.01)).toBeGreaterThanOrEqual(17);
  });
});

describe('pending runs (constant liar)', () => {
  /** 30 completed runs, then 16 asks while all of them are still running: the 16 proposals. */
  function parallelAsks(seed: number, raw: Record<string, unknown> = {}): Params[] {
    const history: Trial[] = [];
    for (let n = 0; n < 30; n++) {
      const params = propose('tpe', square, history, seed, n);
      history.push({ number: n, params, state: 'completed', value: quadratic(params) });
    }
    const pending: Params[] = [];
    for (let number = 30; number < 46; number++) {
      const params = propose('tpe', square, history, seed, number, raw);
      pending.push(params);
      history.push({ number, params, state: 'running' });
    }
    return pending;
  }

  it('gives 16 parallel asks 16 distinct, spread-out points once the model is in use', () => {
    const pending = parallelAsks(3);
    expect(new Set(pending.map((p) => paramsKey(square, p))).size).toBe(16);
    // Spread: the closest pair is not a near-copy (range is 10 wide).
    let minDist = Infinity;
    for (let i = 0; i < 16; i++) {
      for (let j = i + 1; j < 16; j++) {
        minDist = Math.min(minDist, Math.hypot((pending[i].x as number) - (pending[j].x as number), (pending[i].y as number) - (pending[j].y as number)));
      }
    }
    expect(minDist).toBeGreaterThan(0.05);
  });

  it('spreads parallel asks further with the liar than without it', () => {
    const spread = (constantLiar: boolean) => {
      const pts = parallelAsks(8, { constantLiar });
      let total = 0;
      for (let i = 0; i < 16; i++) for (let j = i + 1; j < 16; j++) total += Math.hypot((pts[i].x as number) - (pts[j].x as number), (pts[i].y as number) - (pts[j].y as number));
      return total;
    };
    expect(spread(true)).toBeGreaterThan(spread(false));
  });

  it('hands the first 16 parallel asks 16 distinct qmc points', () => {
    const history: Trial[] = [];
    const keys = new Set<string>();
    for (let n = 0; n < 16; n++) {
      const params = propose('auto', square, history, 5, n);
      keys.add(paramsKey(square, params));
      history.push({ number: n, params, state: 'running' });
    }
    expect(keys.size).toBe(16);
  });
});

describe('no exact duplicates in discrete spaces', () => {
  const small: Space = [
    { name: 'a', type: 'int', low: 0, high: 3 },
    { name: 'b', type: 'categorical', choices: ['u', 'v', 'w'] },
  ];

  it.each(['qmc', 'tpe', 'auto'])('%s visits all 12 points of a 12-point space in 12 runs', (name) => {
    expect(spaceSize(small)).toBe(12);
    const history: Trial[] = [];
    for (let n = 0; n < 12; n++) {
      const params = propose(name, small, history, 2, n, name === 'tpe' ? { nStartup: 3 } : {});
      // A sharp optimum: the model wants to revisit (3, 'w') — running, completed and failed alike block it.
      const state = n % 4 === 3 ? 'failed' : n % 4 === 2 ? 'running' : 'completed';
      history.push(state === 'completed' ? { number: n, params, state, value: (params.a as number) + (params.b === 'w' ? 0 : 5) } : { number: n, params, state });
    }
    expect(new Set(history.map((t) => paramsKey(small, t.params))).size).toBe(12);
  });

  it('repeats points only once the space is used up', () => {
    const history: Trial[] = [];
    for (let n = 0; n < 14; n++) {
      const params = propose('tpe', small, history, 4, n, { nStartup: 2 });
      history.push({ number: n, params, state: 'completed', value: params.a as number });
    }
    expect(new Set(history.slice(0, 12).map((t) => paramsKey(small, t.params))).size).toBe(12);
  });
});

describe("multivariate: 'auto' (joint kernels, every independentEvery-th run independent models)", () => {
  // A 3-D space and 20 completed runs: enough for both models to propose different points.
  const cube: Space = ['a', 'b', 'c'].map((name) => ({ name, type: 'float', low: 0, high: 1 }));
  const history: Trial[] = Array.from({ length: 20 }, (_, n) => {
    const params = propose('qmc', cube, [], 9, n);
    return { number: n, params, state: 'completed', value: Object.values(params).reduce((s: number, v) => s + ((v as number) - 0.3) ** 2, 0) };
  });

  it('gives run numbers 3, 7, 11, ... independent models and the others joint kernels by default', () => {
    expect(TPE_DEFAULTS.independentEvery).toBe(4);
    expect([0, 2, 3, 4, 7, 20, 21, 22, 23].map((n) => independentTurn(n, 4))).toEqual([false, false, true, false, true, false, false, false, true]);
    for (const number of [20, 21, 22, 23, 24, 25, 26, 27]) {
      const auto = propose('tpe', cube, history, 5, number);
      const expected = propose('tpe', cube, history, 5, number, { multivariate: !independentTurn(number, 4) });
      const other = propose('tpe', cube, history, 5, number, { multivariate: independentTurn(number, 4) });
      expect(auto).toEqual(expected);
      expect(auto).not.toEqual(other);
    }
  });

  it('follows independentEvery', () => {
    for (const number of [20, 21, 22, 23]) {
      const auto = propose('tpe', cube, history, 5, number, { independentEvery: 2 });
      expect(independentTurn(number, 2)).toBe(number % 2 === 1);
      expect(auto).toEqual(propose('tpe', cube, history, 5, number, { multivariate: number % 2 === 0 }));
    }
  });

  it('leaves true and false alone', () => {
    const joint = propose('tpe', cube, history, 5, 23, { multivariate: true });
    expect(propose('tpe', cube, history, 5, 23, { multivariate: true, independentEvery: 2 })).toEqual(joint);
  });
});

describe('TPE options', () => {
  it('fills in every default so the stored study says what runs', () => {
    expect(parseTpeOptions({})).toEqual(TPE_DEFAULTS);
    expect(parseTpeOptions({ multivariate: false, gamma: 0.3 })).toEqual({ ...TPE_DEFAULTS, multivariate: false, gamma: 0.3 });
  });

  it('rejects bad options naming the field', () => {
    expect(() => parseTpeOptions({ gamma: 1.5 })).toThrow(ValidationError);
    expect(() => parseTpeOptions({ gamma: 1.5 })).toThrow('strategy.gamma: must be in (0, 1)');
    expect(() => parseTpeOptions({ nCandidates: 0 })).toThrow('strategy.nCandidates');
    expect(() => parseTpeOptions({ bogus: 1 })).toThrow('unknown option(s): bogus');
    expect(() => parseTpeOptions({ multivariate: 'yes' })).toThrow('strategy.multivariate: must be true, false or "auto"');
    expect(() => parseTpeOptions({ independentEvery: 1 })).toThrow('strategy.independentEvery: must be an integer from 2 to 1000');
    expect(() => parseTpeOptions({ independentEvery: 2.5 })).toThrow('strategy.independentEvery: must be an integer from 2 to 1000');
  });

  it('auto and qmc take no options', () => {
    expect(() => getStrategy('auto').parseOptions({ gamma: 0.2 }, square)).toThrow('unknown option(s): gamma');
    expect(() => getStrategy('qmc').parseOptions({ x: 1 }, square)).toThrow(ValidationError);
  });
});
