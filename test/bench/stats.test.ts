import { describe, expect, it } from 'vitest';
import { bootstrapMedianRatio, medianRatio } from '../../bench/lib/stats';

describe('medianRatio', () => {
  it('divides the medians, and counts two exact optima as a tie', () => {
    expect(medianRatio([1, 2, 9], [4, 4, 4])).toBe(0.5);
    expect(medianRatio([0, 0, 1], [0, 0, 3])).toBe(1);
  });

  it('floors an exact zero instead of dividing by it', () => {
    expect(medianRatio([1], [0])).toBe(1e12);
  });
});

describe('bootstrapMedianRatio', () => {
  it('brackets the point ratio and is reproducible', () => {
    const a = Array.from({ length: 30 }, (_, i) => 1 + (i % 7));
    const b = Array.from({ length: 30 }, (_, i) => 2 + (i % 5));
    const [lo, hi] = bootstrapMedianRatio(a, b);
    const r = medianRatio(a, b);
    expect(lo).toBeLessThanOrEqual(r);
    expect(hi).toBeGreaterThanOrEqual(r);
    expect(lo).toBeLessThan(hi);
    expect(bootstrapMedianRatio(a, b)).toEqual([lo, hi]);
  });

  it('collapses to the ratio when every seed gives the same value', () => {
    expect(bootstrapMedianRatio([2, 2, 2], [4, 4, 4])).toEqual([0.5, 0.5]);
  });
});
