/** The numerical pieces against known values (scipy 1.10 / published tables). */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../lib/random';
import { scrambledSobolPoint, sobolPoint } from '../../../lib/strategies/qmc/sobol';
import { erf, erfc, erfcFast } from '../../../lib/strategies/tpe/erf';
import { ParzenEstimator } from '../../../lib/strategies/tpe/parzen';
import { ndtri, sampleTruncNorm, truncNormLogPdf } from '../../../lib/strategies/tpe/truncnorm';

describe('erf / erfc', () => {
  it.each([
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2, 0.9953222650189527],
    [3.5, 0.9999992569016276],
  ])('erf(%f) = %f', (x, want) => {
    expect(erf(x)).toBeCloseTo(want, 14);
    expect(erf(-x)).toBeCloseTo(-want, 14);
  });

  it('keeps relative precision deep in the tail', () => {
    expect(erfc(5) / 1.5374597944280347e-12).toBeCloseTo(1, 12);
    expect(erfc(10) / 2.0884875837625446e-45).toBeCloseTo(1, 12);
    expect(erfc(-1)).toBeCloseTo(1.8427007929497148, 14);
  });
});

describe('truncated normal', () => {
  it.each([
    // x, mu, sigma, low, high, scipy.stats.truncnorm.logpdf
    [0.2, 0.3, 0.1, 0, 1, 0.8849973698],
    [0.9, 0.3, 0.1, 0, 1, -16.6150026302],
    [0, 0.3, 0.1, 0, 1, -3.1150026302],
    [0.5, 0.9, 0.05, 0, 1, -29.9001933503],
    [7, 0, 1, 6, 8, -4.6821689527],
  ])('log-pdf at %f of N(%f, %f) on [%f, %f]', (x, mu, sigma, low, high, want) => {
    expect(truncNormLogPdf(x, mu, sigma, low, high)).toBeCloseTo(want, 8);
  });

  it('has zero density outside its bounds', () => {
    expect(truncNormLogPdf(1.01, 0.5, 0.1, 0, 1)).toBe(-Infinity);
  });

  it('inverts the normal CDF (scipy ndtri)', () => {
    expect(ndtri(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(ndtri(1e-10)).toBeCloseTo(-6.361340902404056, 10);
    expect(ndtri(1 - 1e-12)).toBeCloseTo(7.0344869100478356, 6);
    expect(Math.abs(ndtri(0.5))).toBeLessThan(1e-12);
  });

  it('samples inside the bounds with the right CDF (scipy: P(X < 0.95) = 0.86093 for N(0.9, 0.05) on [0, 1])', () => {
    const rng = createRng(1);
    const xs = Array.from({ length: 20_000 }, () => sampleTruncNorm(rng, 0.9, 0.05, 0, 1));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(1);
    // 20 000 draws: standard error 0.0024, so 0.01 is > 4 standard errors.
    expect(Math.abs(xs.filter((x) => x < 0.95).length / xs.length - 0.86093)).toBeLessThan(0.01);
  });

  it('samples a far tail (N(0, 1) on [6, 8]) without leaving it', () => {
    const rng = createRng(2);
    const xs = Array.from({ length: 1000 }, () => sampleTruncNorm(rng, 0, 1, 6, 8));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(6);
    // Mean of the truncated tail is ~6.16 (inverse Mills ratio).
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(6.16, 1);
  });
});

describe('Sobol points', () => {
  it('match the published (scipy, Joe-Kuo) first points, unscrambled', () => {
    const want = [
      [0, 0, 0, 0, 0, 0],
      [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
      [0.75, 0.25, 0.25, 0.25, 0.75, 0.75],
      [0.25, 0.75, 0.75, 0.75, 0.25, 0.25],
      [0.375, 0.375, 0.625, 0.875, 0.375, 0.125],
      [0.875, 0.875, 0.125, 0.375, 0.875, 0.625],
      [0.625, 0.125, 0.875, 0.625, 0.625, 0.875],
      [0.125, 0.625, 0.375, 0.125, 0.125, 0.375],
    ];
    want.forEach((row, i) => expect(sobolPoint(i, 6)).toEqual(row));
  });

  it('match scipy in the last table dimensions (point 1000, dims 96-101)', () => {
    expect(sobolPoint(1000, 101).slice(95)).toEqual([0.8662109375, 0.2412109375, 0.7646484375, 0.8154296875, 0.1865234375, 0.7685546875]);
  });

  it('stay a net when scrambled: 16 points put exactly one in each 1/16 slice of every dim', () => {
    const pts = Array.from({ length: 16 }, (_, i) => scrambledSobolPoint(7, i, 40));
    for (let d = 0; d < 40; d++) {
      expect(pts.map((p) => Math.floor(p[d] * 16)).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, k) => k));
    }
  });

  it('differ between seeds and never hit 0 or 1', () => {
    const a = scrambledSobolPoint(1, 0, 3);
    expect(a).not.toEqual(scrambledSobolPoint(2, 0, 3));
    for (let i = 0; i < 64; i++) for (const u of scrambledSobolPoint(3, i, 120)) expect(u > 0 && u < 1).toBe(true);
  });
});

describe('Parzen estimator', () => {
  const numeric = [{ kind: 'numeric' as const }];
  const cfg = { priorWeight: 1, bandwidth: 'neighbor' as const, minBandwidth: 0.01, magicClip: true };

  it('weights the prior like one observation and mixes truncated kernels', () => {
    // One observation at 0.25: neighbour gaps 0.25 (bound) and 0.25 (prior centre) → σ = 0.25; prior N(0.5, 1).
    const pe = new ParzenEstimator({ ...cfg, magicClip: false, dims: numeric, points: [[0.25]] });
    const want = Math.log(0.5 * Math.exp(truncNormLogPdf(0.4, 0.25, 0.25, 0, 1)) + 0.5 * Math.exp(truncNormLogPdf(0.4, 0.5, 1, 0, 1)));
    expect(pe.logPdfJoint([0.4])).toBeCloseTo(want, 6); // normalizers use the 1e-7 erfc
    expect(pe.logPdfDim(0, 0.4)).toBeCloseTo(want, 6);
  });

  it('widens kernels to the magic clip 1 / min(100, n + 1)', () => {
    // n = 1 → at least 1/2.
    const pe = new ParzenEstimator({ ...cfg, dims: numeric, points: [[0.25]] });
    const want = Math.log(0.5 * Math.exp(truncNormLogPdf(0.4, 0.25, 0.5, 0, 1)) + 0.5 * Math.exp(truncNormLogPdf(0.4, 0.5, 1, 0, 1)));
    expect(pe.logPdfDim(0, 0.4)).toBeCloseTo(want, 6);
  });

  it("keeps a discrete param's kernels at least as wide as their value's slice", () => {
    // 30 runs all at one value of a 9-value int: Scott's spread is 0 and the clip 1/31, so the slice
    // (1/9) sets σ. Without the floor the kernel would be a point mass on that value.
    const pts = Array.from({ length: 30 }, () => [0.5]);
    const dims = [{ kind: 'numeric' as const, slice: () => 1 / 9 }];
    const pe = new ParzenEstimator({ ...cfg, bandwidth: 'scott', dims, points: pts });
    const at = (x: number) => Math.log((30 / 31) * Math.exp(truncNormLogPdf(x, 0.5, 1 / 9, 0, 1)) + (1 / 31) * Math.exp(truncNormLogPdf(x, 0.5, 1, 0, 1)));
    for (const x of [0.5, 0.5 + 1 / 9, 0.2]) expect(pe.logPdfDim(0, x)).toBeCloseTo(at(x), 6);
    const continuous = new ParzenEstimator({ ...cfg, bandwidth: 'scott', dims: numeric, points: pts });
    expect(continuous.logPdfDim(0, 0.5)).toBeGreaterThan(pe.logPdfDim(0, 0.5) + 1);
  });

  it('integrates to 1 over the unit interval', () => {
    const pe = new ParzenEstimator({ ...cfg, dims: numeric, points: [[0.02], [0.5], [0.97], [0.6]] });
    let s = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) s += Math.exp(pe.logPdfDim(0, (i + 0.5) / n)) / n;
    expect(s).toBeCloseTo(1, 4);
  });

  it('gives categorical kernels most mass on the observed choice, the rest shared (Optuna weights)', () => {
    // n = 1, K = 3: share 1/2 → own (1 + 1/2) / (1 + 3/2) = 0.6, others 0.2; prior uniform 1/3.
    const pe = new ParzenEstimator({ ...cfg, dims: [{ kind: 'categorical', count: 3 }], points: [[2]] });
    expect(Math.exp(pe.logPdfDim(0, 2))).toBeCloseTo(0.5 * 0.6 + 0.5 / 3, 12);
    expect(Math.exp(pe.logPdfDim(0, 0))).toBeCloseTo(0.5 * 0.2 + 0.5 / 3, 12);
  });

  it('samples categorical kernels with their own probabilities', () => {
    // Observations at choices 1 and 3 of 5 (weights 3 : 1) plus the prior: draws follow the mixture.
    const pe = new ParzenEstimator({ ...cfg, dims: [{ kind: 'categorical', count: 5 }], points: [[1], [3]], weights: [3, 1] });
    const rng = createRng(11);
    const counts = new Array(5).fill(0);
    const draws = 40_000;
    for (let i = 0; i < draws; i++) counts[pe.sampleJoint(rng)[0]]++;
    let total = 0;
    for (let k = 0; k < 5; k++) {
      const p = Math.exp(pe.logPdfDim(0, k));
      total += p;
      // 4.5 standard errors: a false failure once in ~150,000 runs of a fresh seed.
      expect(Math.abs(counts[k] / draws - p)).toBeLessThan(4.5 * Math.sqrt((p * (1 - p)) / draws));
    }
    expect(total).toBeCloseTo(1, 12);
  });

  it('keeps categorical kernels linear in the observations, whatever the number of choices', () => {
    // A dense table (observations × choices) was 4 GB for 100 params of 1000 choices at 5000 runs; this
    // estimator has a billion choices and 2000 observations and must still give exact densities.
    const K = 1_000_000_000;
    const pts = Array.from({ length: 2000 }, (_, i) => [(i * 7919) % K]);
    const pe = new ParzenEstimator({ ...cfg, dims: [{ kind: 'categorical', count: K }], points: pts });
    const share = 1 / 2001;
    const own = (1 + share) / (1 + K * share);
    const other = share / (1 + K * share);
    // At an observed choice: one kernel gives pOwn, the other 1999 pOther, the prior 1/K; weights 1/2001 each.
    expect(pe.logPdfJoint([7919])).toBeCloseTo(Math.log((own + 1999 * other + 1 / K) / 2001), 10);
    expect(pe.logPdfJoint([5])).toBeCloseTo(Math.log((2000 * other + 1 / K) / 2001), 10);
    const x = pe.sampleJoint(createRng(3))[0];
    expect(Number.isInteger(x) && x >= 0 && x < K).toBe(true);
  });

  it('samples near its observations when they outweigh the prior', () => {
    const pts = Array.from({ length: 30 }, () => [0.8]);
    const pe = new ParzenEstimator({ ...cfg, bandwidth: 'scott', dims: numeric, points: pts });
    const rng = createRng(5);
    const xs = Array.from({ length: 400 }, () => pe.sampleJoint(rng)[0]);
    expect(xs.filter((x) => Math.abs(x - 0.8) < 0.1).length / xs.length).toBeGreaterThan(0.85);
  });
});

describe('fast normalizers', () => {
  it('erfcFast stays within 1.2e-7 relative of erfc from -6 to 10', () => {
    let worst = 0;
    for (let x = -6; x <= 10; x += 0.01) worst = Math.max(worst, Math.abs(erfcFast(x) / erfc(x) - 1));
    expect(worst).toBeLessThan(1.2e-7);
  });
});
