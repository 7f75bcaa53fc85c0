/**
 * One contract for every registered strategy: proposals are points of the space, reproducible from the
 * seed, different across seeds, and every strategy copes with empty, all-failed, one-param and
 * maximize histories.
 */
import { describe, expect, it } from 'vitest';
import type { Direction, Params, Space, Trial } from '../../../lib/domain/types';
import { createRng, mixSeed } from '../../../lib/random';
import { paramsProblems } from '../../../lib/space/transform';
import { availableStrategies, getStrategy } from '../../../lib/strategies/registry';

const mixedSpace: Space = [
  { name: 'lr', type: 'float', low: 1e-5, high: 1e-1, log: true },
  { name: 'dropout', type: 'float', low: 0, high: 0.5 },
  { name: 'wd', type: 'float', low: 0, high: 0.1, step: 0.01 },
  { name: 'layers', type: 'int', low: 1, high: 8 },
  { name: 'width', type: 'int', low: 16, high: 1024, log: true },
  { name: 'batch', type: 'int', low: 16, high: 256, step: 16 },
  { name: 'optimizer', type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
  { name: 'flag', type: 'categorical', choices: [true, false] },
];
/** Grid needs every param discrete. */
const discreteSpace: Space = [
  { name: 'layers', type: 'int', low: 1, high: 4 },
  { name: 'wd', type: 'float', low: 0, high: 0.1, step: 0.025 },
  { name: 'optimizer', type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
];

const spaceFor = (name: string) => (name === 'grid' ? discreteSpace : mixedSpace);

/** A toy objective of any point of either space. */
function objective(p: Params): number {
  let s = 0;
  for (const [k, v] of Object.entries(p)) s += typeof v === 'number' ? (k === 'lr' ? (Math.log10(v) + 3) ** 2 : v / 10) : v === 'adam' || v === true ? 0 : 1;
  return s;
}

function runStudy(name: string, space: Space, seed: number, n: number, opts: { direction?: Direction; fail?: boolean } = {}): Params[] {
  const strategy = getStrategy(name);
  const options = strategy.parseOptions({}, space);
  const history: Trial[] = [];
  const out: Params[] = [];
  for (let number = 0; number < n; number++) {
    const params = strategy.propose({ space, history, direction: opts.direction ?? 'minimize', rng: createRng(mixSeed(seed, number)), options, number, seed });
    out.push(params);
    history.push(opts.fail ? { number, params, state: 'failed' } : { number, params, state: 'completed', value: objective(params) });
  }
  return out;
}

const N = 24; // past the adaptive strategies' 10-run start, so their models are exercised

describe.each(availableStrategies())('strategy %s', (name) => {
  const space = spaceFor(name);

  it('proposes only points of the space (bounds, steps, ints, choices)', () => {
    for (const p of runStudy(name, space, 7, N)) expect(paramsProblems(space, p)).toEqual([]);
  });

  it('repeats its proposals for the same seed and history', () => {
    expect(runStudy(name, space, 11, N)).toEqual(runStudy(name, space, 11, N));
  });

  it('proposes differently under a different seed', () => {
    expect(runStudy(name, space, 11, N)).not.toEqual(runStudy(name, space, 12, N));
  });

  it('proposes from an empty history', () => {
    const strategy = getStrategy(name);
    const p = strategy.propose({ space, history: [], direction: 'minimize', rng: createRng(1), options: strategy.parseOptions({}, space), number: 0, seed: 1 });
    expect(paramsProblems(space, p)).toEqual([]);
  });

  it('keeps proposing valid points when every run failed', () => {
    for (const p of runStudy(name, space, 3, N, { fail: true })) expect(paramsProblems(space, p)).toEqual([]);
  });

  it('handles a one-param space', () => {
    const one: Space = name === 'grid' ? [{ name: 'k', type: 'int', low: 0, high: 40 }] : [{ name: 'x', type: 'float', low: -1, high: 1 }];
    const ps = runStudy(name, one, 5, N);
    for (const p of ps) expect(paramsProblems(one, p)).toEqual([]);
    expect(new Set(ps.map((p) => JSON.stringify(p))).size).toBeGreaterThan(N / 2);
  });

  it('proposes valid points when maximizing', () => {
    for (const p of runStudy(name, space, 9, N, { direction: 'maximize' })) expect(paramsProblems(space, p)).toEqual([]);
  });
});

describe('maximize is minimize with the sign flipped', () => {
  it.each(['tpe', 'auto'])('%s proposes the same points for f maximized as for -f minimized', (name) => {
    const strategy = getStrategy(name);
    const options = strategy.parseOptions({}, mixedSpace);
    const run = (direction: Direction, sign: number) => {
      const history: Trial[] = [];
      for (let number = 0; number < 20; number++) {
        const params = strategy.propose({ space: mixedSpace, history, direction, rng: createRng(mixSeed(4, number)), options, number, seed: 4 });
        history.push({ number, params, state: 'completed', value: sign * objective(params) });
      }
      return history.map((t) => t.params);
    };
    expect(run('maximize', -1)).toEqual(run('minimize', 1));
  });
});
