/**
 * Property tests over generated spaces, histories and TPE options (fast-check): whatever the space
 * (degenerate ranges, one-choice categoricals, log ints, steps, huge or tiny bounds) and whatever the
 * history (every run state, ties, huge and tiny values, too short or long enough for the model), a
 * strategy answers with a point of the space, and in an all-discrete space never repeats a point while
 * unseen ones remain (small spaces, so histories often cover nearly all of them).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStorableNumber, RUN_STATES, type Direction, type Space, type Trial } from '../../../lib/domain/types';
import { createRng, mixSeed } from '../../../lib/random';
import { spaceSchema } from '../../../lib/space/spec';
import { paramsKey, paramsProblems, sampleUniform, spaceSize } from '../../../lib/space/transform';
import { getStrategy } from '../../../lib/strategies/registry';

/** Doubles the store accepts (DynamoDB's range: no subnormals). */
const storable = (min: number, max: number) => fc.double({ min, max, noNaN: true }).filter(isStorableNumber);
const low = fc.oneof(fc.integer({ min: -1000, max: 1000 }), storable(-1e6, 1e6), fc.constantFrom(0, -1e9, 1e-9));
const width = fc.oneof(storable(1e-6, 1e6), fc.constantFrom(1, 1e-3, 1e9));

/** Param specs that are valid by construction (the space schema still checks them): every kind, edge sizes included. */
const spec = fc.oneof(
  fc.record({ type: fc.constant('float'), low, width }).map(({ low: lo, width: w }) => ({ type: 'float', low: lo, high: lo + w })),
  fc.record({ low: storable(1e-8, 1e3), ratio: storable(1.001, 1e8) }).map(({ low: lo, ratio }) => ({ type: 'float', low: lo, high: lo * ratio, log: true })),
  fc.record({ low: fc.integer({ min: -100, max: 100 }), k: fc.integer({ min: 1, max: 40 }), step: fc.constantFrom(0.5, 0.25, 0.1, 2) }).map(({ low: lo, k, step }) => ({ type: 'float', low: lo, high: lo + k * step, step })),
  fc.record({ low: fc.integer({ min: -100, max: 100 }), k: fc.integer({ min: 1, max: 300 }) }).map(({ low: lo, k }) => ({ type: 'int', low: lo, high: lo + k })),
  fc.record({ low: fc.integer({ min: 1, max: 100 }), k: fc.integer({ min: 1, max: 5000 }) }).map(({ low: lo, k }) => ({ type: 'int', low: lo, high: lo + k, log: true })),
  fc.record({ low: fc.integer({ min: -50, max: 50 }), k: fc.integer({ min: 1, max: 20 }), step: fc.integer({ min: 1, max: 9 }) }).map(({ low: lo, k, step }) => ({ type: 'int', low: lo, high: lo + k * step, step })),
  fc.uniqueArray(fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean()), { minLength: 1, maxLength: 6, selector: (c) => JSON.stringify(c) }).map((choices) => ({ type: 'categorical', choices })),
);

const toSpace = (specs: object[]): Space => {
  const r = spaceSchema.safeParse(Object.fromEntries(specs.map((s, i) => [`p${i}`, s])));
  if (!r.success) throw new Error(`generator made an invalid space: ${JSON.stringify(r.error.issues)}`);
  return r.data as Space;
};
const space = fc.array(spec, { minLength: 1, maxLength: 8 }).map(toSpace);
/** All-discrete spaces of 2 to 216 points. */
const discreteSpec = fc.oneof(
  fc.record({ low: fc.integer({ min: -5, max: 5 }), k: fc.integer({ min: 1, max: 5 }) }).map(({ low: lo, k }) => ({ type: 'int', low: lo, high: lo + k })),
  fc.record({ low: fc.integer({ min: -5, max: 5 }), k: fc.integer({ min: 1, max: 5 }) }).map(({ low: lo, k }) => ({ type: 'float', low: lo, high: lo + k * 0.5, step: 0.5 })),
  fc.uniqueArray(fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.boolean()), { minLength: 2, maxLength: 6, selector: (c) => JSON.stringify(c) }).map((choices) => ({ type: 'categorical', choices })),
);
const discreteSpace = fc.array(discreteSpec, { minLength: 1, maxLength: 3 }).map(toSpace);
/** Histories long enough, often enough, for the model to be used (default nStartup is 10). */
const runs = (max: number) => fc.integer({ min: 0, max }).chain((n) => fc.array(run, { minLength: n, maxLength: n }));

const value = fc.oneof(storable(-1e12, 1e12), fc.constantFrom(0, 1, 1, 1, -5, 1e100, -1e100));
const run = fc.record({ state: fc.constantFrom(...RUN_STATES, 'completed', 'completed'), value, seed: fc.integer({ min: 0, max: 1e6 }) });

/** Trials whose params are points of the space (as stored runs always are). */
function historyOf(sp: Space, runs: { state: (typeof RUN_STATES)[number]; value: number; seed: number }[]): Trial[] {
  return runs.map((r, number) => {
    const params = sampleUniform(sp, createRng(r.seed));
    return r.state === 'completed' ? { number, params, state: 'completed', value: Object.is(r.value, -0) ? 0 : r.value } : { number, params, state: r.state };
  });
}

const tpeOptions = fc.record(
  {
    nStartup: fc.integer({ min: 0, max: 6 }),
    gamma: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
    rankWeightPower: fc.constantFrom(0, 1, 3),
    maxGood: fc.integer({ min: 1, max: 30 }),
    nCandidates: fc.integer({ min: 1, max: 30 }),
    multivariate: fc.constantFrom(true, false, 'auto' as const),
    independentEvery: fc.integer({ min: 2, max: 5 }),
    bandwidth: fc.constantFrom('auto', 'scott', 'optuna', 'neighbor'),
    magicClip: fc.boolean(),
    priorWeight: fc.constantFrom(0, 0.5, 1, 3),
    constantLiar: fc.boolean(),
  },
  { requiredKeys: [] },
);
const direction = fc.constantFrom<Direction>('minimize', 'maximize');

function propose(name: string, sp: Space, history: Trial[], dir: Direction, raw: Record<string, unknown>, seed: number) {
  const strategy = getStrategy(name);
  const options = strategy.parseOptions(raw, sp);
  const number = history.length;
  return strategy.propose({ space: sp, history, direction: dir, rng: createRng(mixSeed(seed, number)), options, number, seed });
}

describe('strategy properties (fast-check)', () => {
  it('tpe, under any options, proposes a point of any space from any history', () => {
    fc.assert(
      fc.property(space, runs(60), direction, tpeOptions, fc.nat(), (sp, runs, dir, opts, seed) => {
        const p = propose('tpe', sp, historyOf(sp, runs), dir, opts, seed);
        expect(paramsProblems(sp, p)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it.each(['auto', 'qmc', 'random'])('%s proposes a point of any space from any history', (name) => {
    fc.assert(
      fc.property(space, runs(40), direction, fc.nat(), (sp, runs, dir, seed) => {
        expect(paramsProblems(sp, propose(name, sp, historyOf(sp, runs), dir, {}, seed))).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('tpe never repeats a point of an all-discrete space while unseen points remain', () => {
    fc.assert(
      fc.property(discreteSpace, runs(70), direction, tpeOptions, fc.nat(), (sp, runs, dir, opts, seed) => {
        const history = historyOf(sp, runs);
        const used = new Set(history.map((t) => paramsKey(sp, t.params)));
        fc.pre(used.size < spaceSize(sp));
        const p = propose('tpe', sp, history, dir, opts, seed);
        expect(used.has(paramsKey(sp, p))).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});
