/**
 * TPE proposal (Bergstra et al. 2011; components as analysed by Watanabe 2023): split the history into
 * good and bad runs, fit a Parzen estimator to each (l and g), draw candidates from l and return the
 * one maximising l(x)/g(x) — the expected-improvement maximiser under TPE's model. Until `nStartup`
 * runs have completed, the scrambled Sobol point of the run number is returned instead.
 */
import type { Params } from '../../domain/types';
import { dimsOf, fromUnit, paramsKey, sliceWidth, toUnit, type Dim } from '../../space/transform';
import { unseenOr, usedKeysIfDiscrete } from '../dedupe';
import { qmcProposal } from '../qmc';
import type { ProposeInput } from '../strategy';
import type { TpeOptions } from './options';
import { ParzenEstimator, type DimKind, type ParzenConfig } from './parzen';
import { splitHistory } from './split';

interface Candidate {
  x: number[];
  score: number;
}

/** Moves a numeric coordinate to the centre of its value's slice, so the score is that of the point proposed. */
function snapUnit(dim: Dim, u: number): number {
  if (dim.kind === 'categorical' || !Number.isFinite(dim.count)) return u;
  return toUnit(dim, fromUnit(dim, u));
}

function toParams(dims: readonly Dim[], x: readonly number[]): Params {
  const params: Params = {};
  dims.forEach((dim, d) => {
    params[dim.name] = dim.kind === 'categorical' ? dim.choices[x[d]] : fromUnit(dim, x[d]);
  });
  return params;
}

export function proposeTpe(input: ProposeInput<TpeOptions>): Params {
  const { space, history, direction, rng, options: o, seed, number } = input;
  const split = splitHistory(space, history, direction, o);
  if (split.nCompleted < Math.max(1, o.nStartup)) return qmcProposal(space, history, seed, number, rng);

  const dims = dimsOf(space);
  const kinds: DimKind[] = dims.map((d) =>
    d.kind === 'categorical' ? { kind: 'categorical', count: d.count } : Number.isFinite(d.count) ? { kind: 'numeric', slice: (u) => sliceWidth(d, u) } : { kind: 'numeric' },
  );
  const weights = rankWeights(split.good.length, o.rankWeightPower);
  const joint = o.multivariate === 'auto' ? !independentTurn(number, o.independentEvery) : o.multivariate;
  const base: Omit<ParzenConfig, 'points'> = {
    dims: kinds,
    priorWeight: o.priorWeight,
    minBandwidth: o.minBandwidth,
    magicClip: o.magicClip,
    bandwidth: o.bandwidth === 'auto' ? (joint ? 'scott' : 'neighbor') : o.bandwidth,
  };
  const l = new ParzenEstimator({ ...base, points: split.good, weights });
  const g = new ParzenEstimator({ ...base, points: split.bad });
  const candidates = joint ? jointCandidates(dims, l, g, o.nCandidates, rng) : perDimCandidates(dims, l, g, o.nCandidates, rng);

  const used = usedKeysIfDiscrete(space, history);
  const best = toParams(dims, candidates[0].x);
  if (!used) return best;
  for (const c of candidates) {
    const p = toParams(dims, c.x);
    if (!used.has(paramsKey(space, p))) return p;
  }
  return unseenOr(space, used, best, rng);
}

/**
 * `multivariate: 'auto'`: whether run `number` gets independent 1-D models (every `every`-th run) rather
 * than joint kernels. An interleaved portfolio, not a per-ask model choice: joint kernels refine around
 * the best runs, independent models recombine good values of different runs, which joint kernels never
 * propose, and that is what nearly separable and multimodal objectives need (docs/strategies.md has the
 * measurements). The run number makes the turn deterministic and evenly spread across parallel workers.
 */
export function independentTurn(number: number, every: number): boolean {
  return number % every === every - 1;
}

/**
 * Weights of the good runs, best first: (1 − rank / (nGood + 1))^power. A scale-free form of the EI
 * weighting Watanabe (2023) studies: the best runs shape l(x) most, the rest of the good group keeps it
 * from collapsing onto one point. power 0 = uniform weights (Optuna).
 */
export function rankWeights(nGood: number, power: number): number[] | undefined {
  if (power === 0) return undefined;
  return Array.from({ length: nGood }, (_, i) => Math.pow(1 - i / (nGood + 1), power));
}

/** Multivariate: whole points drawn from l, best first. */
function jointCandidates(dims: readonly Dim[], l: ParzenEstimator, g: ParzenEstimator, n: number, rng: ProposeInput['rng']): Candidate[] {
  const sl = new Float64Array(l.nComponents);
  const sg = new Float64Array(g.nComponents);
  const out: Candidate[] = [];
  for (let c = 0; c < n; c++) {
    const x = l.sampleJoint(rng).map((u, d) => snapUnit(dims[d], u));
    out.push({ x, score: l.logPdfJoint(x, sl) - g.logPdfJoint(x, sg) });
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * Univariate: each dim picks its own best value among n draws (the first candidate combines them);
 * the draws, taken together as points and ranked by their summed scores, follow as fall-backs for the
 * no-duplicates rule.
 */
function perDimCandidates(dims: readonly Dim[], l: ParzenEstimator, g: ParzenEstimator, n: number, rng: ProposeInput['rng']): Candidate[] {
  const xs: number[][] = Array.from({ length: n }, () => new Array(dims.length));
  const scores = new Float64Array(n);
  const best: number[] = [];
  dims.forEach((dim, d) => {
    const us = Array.from({ length: n }, () => snapUnit(dim, l.sampleDim(rng, d)));
    const ll = l.logPdfDimMany(d, us);
    const lg = g.logPdfDimMany(d, us);
    let bestScore = -Infinity;
    for (let c = 0; c < n; c++) {
      const s = ll[c] - lg[c];
      xs[c][d] = us[c];
      scores[c] += s;
      if (s > bestScore) {
        bestScore = s;
        best[d] = us[c];
      }
    }
  });
  const rest = xs.map((x, c) => ({ x, score: scores[c] })).sort((a, b) => b.score - a.score);
  return [{ x: best, score: Infinity }, ...rest];
}
