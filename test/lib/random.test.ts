import { describe, expect, it } from 'vitest';
import { createRng, mixSeed } from '../../lib/random';

describe('seeded RNG', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const a = createRng(7), b = createRng(7), c = createRng(8);
    const sa = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(sa);
  });

  it('draws uniform values in [0, 1) with the right mean and variance', () => {
    const rng = createRng(123);
    const n = 100_000;
    let s = 0, s2 = 0, lo = 1, hi = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      s += u;
      s2 += u * u;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    // Standard errors: mean 0.0009, variance 0.0003; 5 sigma bounds.
    expect(Math.abs(s / n - 0.5)).toBeLessThan(0.0046);
    expect(Math.abs(s2 / n - (s / n) ** 2 - 1 / 12)).toBeLessThan(0.0015);
  });

  it('draws standard normals and every integer of int(n)', () => {
    const rng = createRng(5);
    const xs = Array.from({ length: 50_000 }, () => rng.normal());
    const mean = xs.reduce((p, q) => p + q, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((p, q) => p + (q - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.025);
    expect(Math.abs(sd - 1)).toBeLessThan(0.02);
    expect(new Set(Array.from({ length: 1000 }, () => rng.int(7)))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
  });

  it('mixes seed parts so neighbouring run numbers get unrelated streams', () => {
    expect(mixSeed(1, 0)).not.toBe(mixSeed(1, 1));
    expect(mixSeed(1, 0)).not.toBe(mixSeed(0, 1));
    expect(mixSeed(2 ** 40, 3)).not.toBe(mixSeed(0, 3));
    expect(mixSeed(4, 9)).toBe(mixSeed(4, 9));
  });
});
