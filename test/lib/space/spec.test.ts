import { describe, expect, it } from 'vitest';
import { spaceSchema, spaceToJson } from '../../../lib/space/spec';

const issuesOf = (raw: unknown) => {
  const r = spaceSchema.safeParse(raw);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('search space validation', () => {
  it('accepts every param kind and keeps the given order', () => {
    const raw = {
      lr: { type: 'float', low: 1e-5, high: 1, log: true },
      drop: { type: 'float', low: 0, high: 0.5, step: 0.1 },
      bs: { type: 'int', low: 16, high: 256, log: true },
      opt: { type: 'categorical', choices: ['adam', 0.5, false] },
    };
    const r = spaceSchema.parse(raw);
    expect(r.map((d) => d.name)).toEqual(['lr', 'drop', 'bs', 'opt']);
    expect(spaceToJson(r)).toEqual(raw);
  });

  it('says why step and log cannot be combined', () => {
    expect(issuesOf({ x: { type: 'int', low: 1, high: 100, log: true, step: 2 } })).toEqual([
      expect.stringMatching(/^x\.step: cannot be combined with log: a log scale has no constant step/),
    ]);
  });

  it('refuses steps that do not divide the range, naming the numbers', () => {
    expect(issuesOf({ x: { type: 'int', low: 0, high: 10, step: 3 } })[0]).toMatch(/^x\.step: must divide high - low exactly \(10 - 0 = 10/);
    expect(issuesOf({ x: { type: 'float', low: 0, high: 1, step: 0.1 } })).toEqual([]);
  });

  it('checks that an int step divides the range exactly, also past 2^53', () => {
    // 2000000001 / 2 = 1000000000.5: within a relative 1e-9 of a whole number, but not one.
    expect(issuesOf({ x: { type: 'int', low: 0, high: 2000000001, step: 2 } })[0]).toMatch(/^x\.step: must divide high - low exactly/);
    // (2^53 - 1) - -(2^53 - 1) = 2^54 - 2 is not a multiple of 2^52 (as doubles, it rounds to 4 * 2^52).
    expect(issuesOf({ x: { type: 'int', low: -(2 ** 53 - 1), high: 2 ** 53 - 1, step: 2 ** 52 } })[0]).toMatch(/^x\.step: must divide/);
    expect(issuesOf({ x: { type: 'int', low: -(2 ** 53 - 1), high: 2 ** 53 - 1, step: 2 } })).toEqual([]);
    expect(issuesOf({ x: { type: 'int', low: 0, high: 2000000000, step: 2 } })).toEqual([]);
  });

  it('refuses a stepped float whose grid has a value nearer 0 than a number may be, and accepts one with 0 on it', () => {
    expect(issuesOf({ x: { type: 'float', low: -1.5e-130, high: 1.5e-130, step: 1e-130 } })).toEqual([
      expect.stringMatching(/^x\.step: puts a value of about -5\.00e-131 on the grid, nearer 0 than the 1e-130/),
    ]);
    expect(issuesOf({ x: { type: 'float', low: -1e-125, high: 1e-125, step: 1e-130 } })).toEqual([]);
    expect(issuesOf({ x: { type: 'float', low: 2e-130, high: 1e-129, step: 1e-130 } })).toEqual([]);
  });

  it('refuses non-finite bounds and more than 1000 choices', () => {
    expect(issuesOf({ x: { type: 'float', low: 0, high: Infinity } })[0]).toMatch(/^x\.high/);
    expect(issuesOf({ c: { type: 'categorical', choices: Array.from({ length: 1001 }, (_, i) => i) } })[0]).toMatch(/^c\.choices: at most 1000/);
  });
});
