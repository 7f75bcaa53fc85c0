/**
 * A Parzen estimator (kernel density mixture) over the unit cube of a space, built from observations:
 * one component per observation plus an optional prior component. Numeric dims use Gaussian kernels
 * truncated to [0, 1]; categorical dims use a kernel that keeps most mass on the observed choice and
 * spreads the rest evenly (Aitchison–Aitken).
 *
 * It exposes joint sampling / log-density (multivariate TPE: one component draws all dims together)
 * and per-dim ones (univariate TPE: each dim is its own 1-D mixture).
 */
import type { Rng } from '../../random';
import { logNormalMassFast, sampleTruncNorm } from './truncnorm';

/**
 * `slice` (discrete numeric dims: ints, stepped floats): the unit width of the value at u (see
 * `sliceWidth` in the transform); a kernel is never narrower than the value it sits on.
 */
export type DimKind = { kind: 'numeric'; slice?: (u: number) => number } | { kind: 'categorical'; count: number };

export type BandwidthRule = 'scott' | 'optuna' | 'neighbor';

export interface ParzenConfig {
  dims: readonly DimKind[];
  /** Observations: numeric dims in [0, 1], categorical dims as choice indices. */
  points: readonly (readonly number[])[];
  weights?: readonly number[];
  /** Weight of the prior component (uniform-ish: N(0.5, 1) truncated, uniform over choices); 0 = none. */
  priorWeight: number;
  /** How numeric kernel widths are chosen (see bandwidths()). */
  bandwidth: BandwidthRule;
  /** Smallest kernel width, as a fraction of the unit range. */
  minBandwidth: number;
  /** Magic clip (Bergstra et al.): widths at least 1 / min(100, n + 1), so few points cannot collapse. */
  magicClip: boolean;
}

const LOG_SQRT_2PI = 0.9189385332046728;
const PRIOR_MU = 0.5;
const PRIOR_SIGMA = 1;

/**
 * A categorical dim's kernels, O(n) rather than O(n × choices): an observation's kernel only has two
 * values, pOwn on its observed choice `own[i]` and pOther on every other one (the prior component is
 * uniform). A dense table was 4 GB for 100 params of 1000 choices at 5000 runs.
 */
interface CategoricalKernels {
  own: Int32Array;
  pOwn: number;
  pOther: number;
  logOwn: number;
  logOther: number;
}

export class ParzenEstimator {
  readonly nComponents: number;
  readonly dims: readonly DimKind[];
  /** log of the normalized component weights. */
  private readonly logW: Float64Array;
  private readonly cumW: Float64Array;
  /** Per dim: numeric → mus/sigmas/log-normalizers; categorical → its kernels (see CategoricalKernels). */
  private readonly mus: (Float64Array | undefined)[] = [];
  private readonly sigmas: (Float64Array | undefined)[] = [];
  private readonly logNorm: (Float64Array | undefined)[] = [];
  private readonly cat: (CategoricalKernels | undefined)[] = [];

  constructor(cfg: ParzenConfig) {
    const n = cfg.points.length;
    const withPrior = cfg.priorWeight > 0 || n === 0;
    const m = n + (withPrior ? 1 : 0);
    this.nComponents = m;
    this.dims = cfg.dims;
    const w = new Float64Array(m);
    for (let i = 0; i < n; i++) w[i] = cfg.weights ? cfg.weights[i] : 1;
    if (withPrior) w[n] = cfg.priorWeight > 0 ? cfg.priorWeight : 1;
    const total = w.reduce((a, b) => a + b, 0);
    this.logW = new Float64Array(m);
    this.cumW = new Float64Array(m);
    let acc = 0;
    for (let i = 0; i < m; i++) {
      this.logW[i] = Math.log(w[i] / total);
      acc += w[i] / total;
      this.cumW[i] = acc;
    }

    cfg.dims.forEach((dim, d) => {
      if (dim.kind === 'categorical') {
        const K = dim.count;
        // Mass spread over the other choices shrinks as 1/(n+1) (the prior weight's share), as in Optuna.
        const share = K > 1 ? 1 / (n + 1) : 0;
        const own = new Int32Array(n);
        for (let i = 0; i < n; i++) own[i] = cfg.points[i][d];
        const pOwn = (1 + share) / (1 + K * share);
        const pOther = share / (1 + K * share);
        this.cat[d] = { own, pOwn, pOther, logOwn: Math.log(pOwn), logOther: Math.log(pOther) };
        return;
      }
      const mus = new Float64Array(m);
      for (let i = 0; i < n; i++) mus[i] = cfg.points[i][d];
      const sig = bandwidths(cfg, mus.subarray(0, n), dim.slice);
      const sigmas = new Float64Array(m);
      sigmas.set(sig);
      if (withPrior) {
        mus[n] = PRIOR_MU;
        sigmas[n] = PRIOR_SIGMA;
      }
      const logNorm = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        logNorm[i] = -LOG_SQRT_2PI - Math.log(sigmas[i]) - logNormalMassFast((0 - mus[i]) / sigmas[i], (1 - mus[i]) / sigmas[i]);
      }
      this.mus[d] = mus;
      this.sigmas[d] = sigmas;
      this.logNorm[d] = logNorm;
    });
  }

  /** Index of a component drawn by weight. */
  private pickComponent(rng: Rng): number {
    const u = rng.next();
    let lo = 0;
    let hi = this.nComponents - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumW[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private sampleFrom(rng: Rng, comp: number, d: number): number {
    const dim = this.dims[d];
    if (dim.kind === 'categorical') {
      const c = this.cat[d] as CategoricalKernels;
      const K = dim.count;
      const u = rng.next();
      // Inverse CDF over the choices in order, in O(1): the prior is uniform; an observation's kernel is
      // pOther on every choice but its own, which has pOwn.
      if (comp >= c.own.length) return Math.min(K - 1, Math.floor(u * K));
      const o = c.own[comp];
      const before = o * c.pOther;
      if (u < before) return Math.min(o - 1, Math.floor(u / c.pOther));
      if (u < before + c.pOwn || c.pOther === 0) return o;
      return Math.min(K - 1, o + 1 + Math.floor((u - before - c.pOwn) / c.pOther));
    }
    return sampleTruncNorm(rng, (this.mus[d] as Float64Array)[comp], (this.sigmas[d] as Float64Array)[comp], 0, 1);
  }

  /** A point drawn from the joint mixture: one component for all dims. */
  sampleJoint(rng: Rng): number[] {
    const comp = this.pickComponent(rng);
    return this.dims.map((_, d) => this.sampleFrom(rng, comp, d));
  }

  /** A value of dim `d` drawn from that dim's own 1-D mixture. */
  sampleDim(rng: Rng, d: number): number {
    return this.sampleFrom(rng, this.pickComponent(rng), d);
  }

  /** Per-component log-density of dim `d` at x, added into `acc` (length nComponents). */
  private addDimLogPdf(d: number, x: number, acc: Float64Array): void {
    const dim = this.dims[d];
    const m = this.nComponents;
    if (dim.kind === 'categorical') {
      const c = this.cat[d] as CategoricalKernels;
      const n = c.own.length;
      for (let i = 0; i < n; i++) acc[i] += c.own[i] === x ? c.logOwn : c.logOther;
      if (m > n) acc[n] -= Math.log(dim.count);
      return;
    }
    const mus = this.mus[d] as Float64Array;
    const sigmas = this.sigmas[d] as Float64Array;
    const logNorm = this.logNorm[d] as Float64Array;
    for (let i = 0; i < m; i++) {
      const z = (x - mus[i]) / sigmas[i];
      acc[i] += logNorm[i] - 0.5 * z * z;
    }
  }

  /** log-density of the joint mixture at a point. */
  logPdfJoint(x: readonly number[], scratch = new Float64Array(this.nComponents)): number {
    scratch.set(this.logW);
    for (let d = 0; d < this.dims.length; d++) this.addDimLogPdf(d, x[d], scratch);
    return logSumExp(scratch);
  }

  /**
   * `logPdfDim` at many points of one dim at once: one pass over the components (each loaded once),
   * the points in the inner loop. Univariate TPE scores all candidates of a dim this way.
   */
  logPdfDimMany(d: number, xs: readonly number[]): number[] {
    const dim = this.dims[d];
    if (dim.kind === 'categorical') return xs.map((x) => this.logPdfDim(d, x));
    const m = this.nComponents;
    const coef = this.coefOf(d);
    const mus = this.mus[d] as Float64Array;
    const sigmas = this.sigmas[d] as Float64Array;
    const k = xs.length;
    const p = new Float64Array(k);
    for (let i = 0; i < m; i++) {
      const mu = mus[i];
      const inv = 1 / sigmas[i];
      const c = coef[i];
      for (let j = 0; j < k; j++) {
        const z = (xs[j] - mu) * inv;
        const q = z * z;
        if (q < 80) p[j] += c * Math.exp(-0.5 * q);
      }
    }
    return xs.map((x, j) => (p[j] > 0 ? Math.log(p[j]) : this.logPdfDim(d, x)));
  }

  private coefOf(d: number): Float64Array {
    let coef = this.coef[d];
    if (!coef) {
      const logNorm = this.logNorm[d] as Float64Array;
      coef = new Float64Array(this.nComponents);
      for (let i = 0; i < this.nComponents; i++) coef[i] = Math.exp(this.logW[i] + logNorm[i]);
      this.coef[d] = coef;
    }
    return coef;
  }

  private readonly catProbs: (Float64Array | undefined)[] = [];
  /** Per numeric dim: w_i · (truncated-normal normalizer)_i, for the linear-space 1-D density. */
  private readonly coef: (Float64Array | undefined)[] = [];

  /**
   * log-density of dim `d`'s 1-D mixture at x. Summed in linear space (one pass, one exp per
   * component): univariate TPE calls this nCandidates × dims times on the whole bad group. Falls back
   * to log space when every term underflows (x far from all kernels and no prior).
   */
  logPdfDim(d: number, x: number, scratch = new Float64Array(this.nComponents)): number {
    const dim = this.dims[d];
    const m = this.nComponents;
    let p = 0;
    if (dim.kind === 'categorical') {
      // A categorical's 1-D mixture is just one probability per choice: computed once.
      let probs = this.catProbs[d];
      if (!probs) {
        // Every observation gives pOther to each choice, plus pOwn − pOther to its own; the prior 1/K each.
        const c = this.cat[d] as CategoricalKernels;
        const n = c.own.length;
        let base = m > n ? Math.exp(this.logW[n]) / dim.count : 0;
        probs = new Float64Array(dim.count);
        for (let i = 0; i < n; i++) {
          const w = Math.exp(this.logW[i]);
          base += w * c.pOther;
          probs[c.own[i]] += w * (c.pOwn - c.pOther);
        }
        for (let k = 0; k < dim.count; k++) probs[k] += base;
        this.catProbs[d] = probs;
      }
      p = probs[x];
    } else {
      const coef = this.coefOf(d);
      const mus = this.mus[d] as Float64Array;
      const sigmas = this.sigmas[d] as Float64Array;
      for (let i = 0; i < m; i++) {
        const z = (x - mus[i]) / sigmas[i];
        const q = z * z;
        // Beyond 9σ a kernel adds < e^-40 of its weight: nothing next to the prior or a nearer kernel.
        if (q < 80) p += coef[i] * Math.exp(-0.5 * q);
      }
    }
    if (p > 0) return Math.log(p);
    scratch.set(this.logW);
    this.addDimLogPdf(d, x, scratch);
    return logSumExp(scratch);
  }
}

export function logSumExp(xs: Float64Array): number {
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] > max) max = xs[i];
  if (max === -Infinity) return -Infinity;
  // Terms more than 40 below the max add < e^-40 each (relative): skipping their exp is exact to
  // double precision for any realistic component count and halves the cost of wide mixtures.
  const cut = max - 40;
  let s = 0;
  for (let i = 0; i < xs.length; i++) if (xs[i] > cut) s += Math.exp(xs[i] - max);
  return max + Math.log(s);
}

/**
 * Kernel widths of the observations in one numeric dim, `mus` (the prior keeps width 1):
 * - `scott`: Scott's rule on the observations' weighted spread, σ = std · n^(−1/(D+4)), D = number of
 *   dims, n = effective sample size (Σw)² / Σw² (the plain count when weights are equal);
 * - `optuna`: Optuna's multivariate rule, σ = 0.2 · n^(−1/(D+4)) (the spread is ignored);
 * - `neighbor`: Hyperopt/Optuna univariate rule, each kernel as wide as the larger gap to its neighbours
 *   (the prior's centre counts as one; the bounds do not).
 * Then clipped to [max(minBandwidth, magic clip), 1], and on a discrete dim to at least the width of
 * the kernel's own value (`slice`). Why: when the good runs share one value of a weak param (all at
 * batch 64, say) Scott's spread is 0, and once the clip is below one step the kernel is nearly a point mass:
 * l(x) hardly proposes the neighbouring values again, and the search keeps whatever value its first good
 * runs had. Categoricals get the same guarantee from their shared mass.
 */
export function bandwidths(cfg: ParzenConfig, mus: Float64Array, slice?: (u: number) => number): Float64Array {
  const n = mus.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const D = cfg.dims.length;
  let lo = cfg.minBandwidth;
  if (cfg.magicClip) lo = Math.max(lo, 1 / Math.min(100, n + 1));
  if (cfg.bandwidth === 'neighbor') {
    // Neighbours are the other observations and the prior's centre, not the bounds: a bound would
    // make an edge kernel as wide as the gap to it (Optuna's consider_endpoints=False). A native
    // numeric sort plus a binary search per point keeps this O(n log n) without comparator calls.
    const withPrior = cfg.priorWeight > 0;
    const sorted = new Float64Array(n + (withPrior ? 1 : 0));
    sorted.set(mus);
    if (withPrior) sorted[n] = PRIOR_MU;
    sorted.sort();
    // Distinct values: repeated values (ints) get the gaps to the nearest *different* values.
    const distinct: number[] = [];
    for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) distinct.push(sorted[k]);
    const last = distinct.length - 1;
    for (let i = 0; i < n; i++) {
      if (last === 0) {
        out[i] = 1;
        continue;
      }
      let lo = 0;
      let hi = last;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (distinct[mid] < mus[i]) lo = mid + 1;
        else hi = mid;
      }
      const left = lo > 0 ? distinct[lo] - distinct[lo - 1] : 0;
      const right = lo < last ? distinct[lo + 1] - distinct[lo] : 0;
      out[i] = Math.max(left, right);
    }
  } else {
    // Scott's n is the effective sample size of the weighted observations, (Σw)² / Σw².
    let sw1 = 0;
    let sw2 = 0;
    for (let i = 0; i < n; i++) {
      const wi = cfg.weights ? cfg.weights[i] : 1;
      sw1 += wi;
      sw2 += wi * wi;
    }
    const nEff = (sw1 * sw1) / sw2;
    const factor = Math.pow(nEff, -1 / (D + 4));
    let sigma: number;
    if (cfg.bandwidth === 'optuna') sigma = 0.2 * factor;
    else {
      let sw = 0;
      let mean = 0;
      for (let i = 0; i < n; i++) {
        const wi = cfg.weights ? cfg.weights[i] : 1;
        sw += wi;
        mean += wi * mus[i];
      }
      mean /= sw;
      let v = 0;
      for (let i = 0; i < n; i++) v += (cfg.weights ? cfg.weights[i] : 1) * (mus[i] - mean) ** 2;
      sigma = Math.sqrt(v / sw) * factor;
    }
    out.fill(sigma);
  }
  for (let i = 0; i < n; i++) out[i] = Math.min(1, Math.max(lo, slice ? slice(mus[i]) : 0, out[i]));
  return out;
}
