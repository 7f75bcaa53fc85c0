import { describe, expect, it } from 'vitest';
import { isStorableNumber, type ParamDef, type Space } from '../../../lib/domain/types';
import { createRng } from '../../../lib/random';
import {
  decodeUnit,
  dimValues,
  dimsOf,
  encodeUnit,
  fromUnit,
  paramsKey,
  paramsProblems,
  sampleUniform,
  sliceWidth,
  snap,
  spaceSize,
  toUnit,
  valueAt,
  canonicalParams,
  type NumericDim,
} from '../../../lib/space/transform';

const numeric = (def: ParamDef) => dimsOf([def])[0] as NumericDim;

describe('unit-cube transform', () => {
  it('maps float bounds to 0 and 1 and round-trips interior values', () => {
    const d = numeric({ name: 'x', type: 'float', low: -2, high: 6 });
    expect(toUnit(d, -2)).toBe(0);
    expect(toUnit(d, 6)).toBe(1);
    for (const v of [-1.5, 0, 3.25, 5.999]) expect(fromUnit(d, toUnit(d, v))).toBeCloseTo(v, 12);
  });

  it('puts log floats on a log scale: the geometric midpoint maps to 0.5', () => {
    const d = numeric({ name: 'lr', type: 'float', low: 1e-5, high: 1e-1, log: true });
    expect(toUnit(d, 1e-3)).toBeCloseTo(0.5, 12);
    expect(fromUnit(d, 0)).toBeCloseTo(1e-5, 18);
    expect(fromUnit(d, 1)).toBeCloseTo(1e-1, 15);
  });

  it('gives every int an equal slice of [0, 1] (bounds widened by half a step)', () => {
    const d = numeric({ name: 'n', type: 'int', low: 1, high: 4 });
    const counts = new Map<number, number>();
    for (let i = 0; i < 4000; i++) {
      const v = fromUnit(d, (i + 0.5) / 4000);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.entries()].sort()).toEqual([
      [1, 1000],
      [2, 1000],
      [3, 1000],
      [4, 1000],
    ]);
  });

  it('snaps stepped floats onto the grid without binary noise and never past high', () => {
    const d = numeric({ name: 's', type: 'float', low: 0.1, high: 0.9, step: 0.2 });
    expect(dimValues(d)).toEqual([0.1, 0.3, 0.5, 0.7, 0.9]);
    expect(fromUnit(d, 1)).toBe(0.9);
    expect(fromUnit(d, 0)).toBe(0.1);
    expect(fromUnit(d, 0.5)).toBe(0.5);
    // 15 significant digits: trimming the noise to 14 must not round low itself below low.
    const fine = numeric({ name: 'f', type: 'float', low: 0.123456789012345, high: 0.923456789012345, step: 0.1 });
    expect(fromUnit(fine, 0)).toBe(0.123456789012345);
    expect(fromUnit(fine, 1)).toBe(0.923456789012345);
  });

  it('snaps ints whose range passes 2^53 exactly onto the step grid, never past either bound', () => {
    const MAX = 2 ** 53 - 1;
    const spans = [
      { low: -MAX, high: MAX - 2, step: 3 }, // 2^54 - 4 = 3 * 6004799503160660
      { low: -MAX, high: MAX, step: 2 },
      { low: -MAX, high: MAX, step: 1 },
      { low: -MAX, high: MAX - 6, step: 7 },
    ];
    const rng = createRng(5);
    for (const span of spans) {
      const d = numeric({ name: 'w', type: 'int', ...span });
      const us = [0, 1, 0.5, 1 - 1e-16, 1e-16, ...Array.from({ length: 2000 }, () => rng.next())];
      for (const u of us) {
        const v = fromUnit(d, u);
        const where = `${JSON.stringify(span)} at u=${u}: ${v}`;
        expect(Number.isSafeInteger(v), where).toBe(true);
        expect(v >= span.low && v <= span.high, where).toBe(true);
        expect((BigInt(v) - BigInt(span.low)) % BigInt(span.step), where).toBe(0n);
      }
      expect(fromUnit(d, 0)).toBe(span.low);
      expect(fromUnit(d, 1)).toBe(span.high);
    }
  });

  it('checks enqueued ints against the step grid exactly, however large', () => {
    const space: Space = [{ name: 'n', type: 'int', low: 0, high: 4_000_000_000, step: 2 }];
    expect(paramsProblems(space, { n: 3_999_999_999 })).toEqual([{ path: 'params.n', message: 'must be on the grid low + k * step (step 2)' }]);
    expect(paramsProblems(space, { n: 3_999_999_998 })).toEqual([]);
    const wide: Space = [{ name: 'n', type: 'int', low: -(2 ** 53 - 1), high: 2 ** 53 - 1, step: 2 }];
    expect(paramsProblems(wide, { n: 2 ** 53 - 2 })).toHaveLength(1);
    expect(paramsProblems(wide, { n: 2 ** 53 - 1 })).toEqual([]);
  });

  it('rounds log ints to integers within bounds, each value reachable', () => {
    const d = numeric({ name: 'b', type: 'int', low: 1, high: 1024, log: true });
    const seen = new Set<number>();
    for (let i = 0; i <= 10000; i++) {
      const v = fromUnit(d, i / 10000);
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(1);
      expect(v).toBeLessThanOrEqual(1024);
      seen.add(v);
    }
    expect(seen.has(1)).toBe(true);
    expect(seen.has(1024)).toBe(true);
  });

  it("gives each discrete value's slice width: the slices tile [0, 1] and every point of one snaps to its value", () => {
    const defs: ParamDef[] = [
      { name: 'i', type: 'int', low: -3, high: 5 },
      { name: 's', type: 'float', low: 0.1, high: 0.9, step: 0.1 },
      { name: 'b', type: 'int', low: 1, high: 1024, log: true },
    ];
    for (const def of defs) {
      const d = numeric(def);
      let start = 0;
      for (const v of dimValues(d) as number[]) {
        const w = sliceWidth(d, toUnit(d, v));
        expect(fromUnit(d, start + w * 1e-6)).toBe(v);
        expect(fromUnit(d, start + w * (1 - 1e-6))).toBe(v);
        start += w;
      }
      expect(start).toBeCloseTo(1, 12);
    }
    expect(sliceWidth(numeric(defs[0]), 0.3)).toBeCloseTo(1 / 9, 15);
    // Log ints: value 1 owns [ln 0.5, ln 1.5] of [ln 0.5, ln 1024.5].
    expect(sliceWidth(numeric(defs[2]), 0)).toBeCloseTo(Math.log(3) / Math.log(2049), 15);
    expect(sliceWidth(numeric({ name: 'x', type: 'float', low: 0, high: 1 }), 0.5)).toBe(0);
  });

  it('clamps unit values outside [0, 1] to the bounds', () => {
    const d = numeric({ name: 'x', type: 'float', low: 0, high: 1 });
    expect(fromUnit(d, -3)).toBe(0);
    expect(fromUnit(d, 7)).toBe(1);
  });

  it('one-hot encodes categoricals and decodes by argmax', () => {
    const space: Space = [
      { name: 'x', type: 'float', low: 0, high: 10 },
      { name: 'c', type: 'categorical', choices: ['a', 2, false] },
    ];
    expect(encodeUnit(space, { x: 5, c: 2 })).toEqual([0.5, 0, 1, 0]);
    expect(decodeUnit(space, [0.25, 0.1, 0.2, 0.9])).toEqual({ x: 2.5, c: false });
  });

  it('samples inside the space and reproducibly per seed', () => {
    const space: Space = [
      { name: 'lr', type: 'float', low: 1e-4, high: 1, log: true },
      { name: 'n', type: 'int', low: -3, high: 9, step: 3 },
      { name: 'c', type: 'categorical', choices: ['a', 'b'] },
    ];
    const a = Array.from({ length: 200 }, ((rng) => () => sampleUniform(space, rng))(createRng(9)));
    const b = Array.from({ length: 200 }, ((rng) => () => sampleUniform(space, rng))(createRng(9)));
    expect(a).toEqual(b);
    for (const p of a) expect(paramsProblems(space, p)).toEqual([]);
    expect(new Set(a.map((p) => p.n))).toEqual(new Set([-3, 0, 3, 6, 9]));
  });

  it('counts the points of discrete spaces and calls continuous ones infinite', () => {
    expect(spaceSize([{ name: 'a', type: 'int', low: 0, high: 9 }, { name: 'c', type: 'categorical', choices: [1, 2, 3] }])).toBe(30);
    expect(spaceSize([{ name: 'x', type: 'float', low: 0, high: 1 }])).toBe(Infinity);
  });

  it('keys points for duplicate detection by choice index, so long choices make short keys', () => {
    const long = (ch: string) => ch.repeat(300);
    const space: Space = [
      { name: 'n', type: 'int', low: 0, high: 9 },
      { name: 'c', type: 'categorical', choices: [long('a'), long('b'), 1, true] },
    ];
    const key = paramsKey(space, { n: 3, c: long('b') });
    expect(key.length).toBeLessThan(20); // the value itself would be 300 characters
    expect(paramsKey(space, { c: long('b'), n: 3 })).toBe(key); // param order does not matter
    const all = [long('a'), long('b'), 1, true, 'not a choice', 2].map((c) => paramsKey(space, { n: 3, c }));
    expect(new Set(all).size).toBe(all.length); // distinct points, distinct keys, off-space values too
    expect(paramsKey(space, { n: 4, c: long('b') })).not.toBe(key);
  });

  it('names each field that is not a point of the space', () => {
    const space: Space = [
      { name: 'n', type: 'int', low: 0, high: 10, step: 2 },
      { name: 'c', type: 'categorical', choices: ['a'] },
    ];
    const issues = paramsProblems(space, { n: 3, c: 'b', z: 1 });
    expect(issues.map((i) => i.path).sort()).toEqual(['params.c', 'params.n', 'params.z']);
    expect(paramsProblems(space, { n: 4, c: 'a' })).toEqual([]);
  });
});

describe('storable numbers', () => {
  it('flushes floats too small to store to 0, which straddling bounds always contain', () => {
    const d = numeric({ name: 'x', type: 'float', low: -1, high: 1 });
    expect(snap(d, 1e-200)).toBe(0);
    expect(snap(d, -3e-135)).toBe(0);
    expect(snap(d, 2e-130)).toBe(2e-130);
  });
});

describe('stepped floats on their exact decimal grid', () => {
  it('gives every grid value as the double nearest its decimal, where low + k·step in doubles drifts', () => {
    const d = numeric({ name: 'x', type: 'float', low: -5, high: 5, step: 0.01 });
    expect(-5 + 499 * 0.01).not.toBe(-0.01); // the drift this avoids
    for (let k = 0; k < d.count; k++) expect(valueAt(d, k)).toBe(Number(((k - 500) / 100).toFixed(2)));
    expect(snap(d, -0.0099999999999998)).toBe(-0.01);
    const wide = numeric({ name: 'x', type: 'float', low: -1e6, high: 1e6, step: 0.1 });
    expect([valueAt(wide, 99_999_94), valueAt(wide, 10_000_000)]).toEqual([-0.6, 0]);
  });

  it('keeps tiny grids storable: no value between 0 and 1e-130 in magnitude, -1e-130 exactly', () => {
    const d = numeric({ name: 'x', type: 'float', low: -1e-125, high: 1e-125, step: 1e-130 });
    expect(valueAt(d, 99_999)).toBe(-1e-130);
    expect(valueAt(d, 100_000)).toBe(0);
    expect(valueAt(d, 100_001)).toBe(1e-130);
    for (let k = 0; k < d.count; k += 7) expect(isStorableNumber(valueAt(d, k))).toBe(true);
  });

  it('puts enqueued and warm-start values that are on the grid within float noise on the exact grid value', () => {
    const space: Space = [
      { name: 'x', type: 'float', low: 0, high: 1, step: 0.1 },
      { name: 'y', type: 'float', low: 0, high: 1 },
      { name: 'n', type: 'int', low: 1, high: 9 },
    ];
    expect(paramsProblems(space, { x: 0.1 + 0.2, y: 0.1 + 0.2, n: 3 })).toEqual([]);
    expect(canonicalParams(space, { n: 3, y: 0.1 + 0.2, x: 0.1 + 0.2 })).toEqual({ x: 0.3, y: 0.30000000000000004, n: 3 });
  });
});
