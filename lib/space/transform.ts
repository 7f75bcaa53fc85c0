/**
 * The one transform between params and the unit cube, shared by every strategy.
 *
 * Numeric params map to [0, 1] through their internal scale: log-scaled params through ln, and discrete
 * params (ints, stepped floats) over bounds widened by half a step, so every admissible value owns an
 * equal slice of [0, 1] and rounding back is unbiased. Categoricals are indices (TPE's own kernel) or
 * one-hot blocks (GP / CMA-ES).
 */
import { isStorableNumber, MIN_MAGNITUDE, STORABLE_MESSAGE, type ParamDef, type ParamValue, type Params, type Space } from '../domain/types';
import type { Rng } from '../random';

export interface NumericDim {
  kind: 'numeric';
  name: string;
  def: ParamDef & { type: 'float' | 'int' };
  isInt: boolean;
  log: boolean;
  /** Step between admissible values (ints default to 1); undefined for continuous floats. */
  step?: number;
  /** Internal bounds (after ln for log, widened by step/2 for discrete) that map to 0 and 1. */
  lo: number;
  hi: number;
  /** Number of admissible values for discrete dims; Infinity for continuous ones. */
  count: number;
  /**
   * Ints whose high - low is past 2^53 (up to 2^54 - 2): the exact number of steps from low to high.
   * There `count` and `low + k * step` are rounded doubles, so snapping counts in BigInt instead.
   */
  wideSteps?: bigint;
  /**
   * Stepped floats whose low and step are decimals of few enough digits (0.01, -5, 2.5e-3, 1e-130): both
   * as integers of 10^-digits, so value k is (low' + k·step') · 10^-digits, an exact integer scaled once,
   * to the double nearest that decimal. (low + k·step in doubles drifts: -5 + 499·0.01 is
   * -0.0099999999999998, which is not the grid's -0.01.)
   */
  decimal?: { low: number; step: number; digits: number };
}

export interface CategoricalDim {
  kind: 'categorical';
  name: string;
  def: ParamDef & { type: 'categorical' };
  choices: readonly ParamValue[];
  count: number;
}

export type Dim = NumericDim | CategoricalDim;

const dimCache = new WeakMap<Space, Dim[]>();

export function dimsOf(space: Space): Dim[] {
  const cached = dimCache.get(space);
  if (cached) return cached;
  const dims = space.map(toDim);
  dimCache.set(space, dims);
  return dims;
}

function toDim(def: ParamDef): Dim {
  if (def.type === 'categorical') {
    return { kind: 'categorical', name: def.name, def, choices: def.choices, count: def.choices.length };
  }
  const isInt = def.type === 'int';
  const log = def.log === true;
  const step = def.step ?? (isInt ? 1 : undefined);
  if (log) {
    // Log ints: widen by half a unit so 1 and its neighbours get equal mass on the log scale.
    const lo = isInt ? Math.log(def.low - 0.5) : Math.log(def.low);
    const hi = isInt ? Math.log(def.high + 0.5) : Math.log(def.high);
    return { kind: 'numeric', name: def.name, def: def as NumericDim['def'], isInt, log, step: isInt ? 1 : undefined, lo, hi, count: isInt ? def.high - def.low + 1 : Infinity };
  }
  if (step !== undefined) {
    if (isInt && !Number.isSafeInteger(def.high - def.low)) {
      const wideSteps = (BigInt(def.high) - BigInt(def.low)) / BigInt(step);
      return { kind: 'numeric', name: def.name, def: def as NumericDim['def'], isInt, log, step, lo: def.low - step / 2, hi: def.high + step / 2, count: Number(wideSteps) + 1, wideSteps };
    }
    const count = Math.round((def.high - def.low) / step) + 1;
    const decimal = isInt ? undefined : decimalGrid(def.low, step, count);
    return { kind: 'numeric', name: def.name, def: def as NumericDim['def'], isInt, log, step, lo: def.low - step / 2, hi: def.high + step / 2, count, ...(decimal ? { decimal } : {}) };
  }
  return { kind: 'numeric', name: def.name, def: def as NumericDim['def'], isInt, log, lo: def.low, hi: def.high, count: Infinity };
}

/** Digits after the decimal point in the shortest form of `x` (1e-12 → 12, 2.5e-3 → 4, 0.01 → 2). */
function decimals(x: number): number {
  const [mantissa, exp] = String(Math.abs(x)).split('e');
  const frac = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, frac - Number(exp ?? 0));
}

/** x·10^digits, parsed from x's shortest decimal form (no multiplication, so no rounding on the way). */
function shifted(x: number, digits: number): number {
  const [mantissa, exp] = String(x).split('e');
  return Number(`${mantissa}e${Number(exp ?? 0) + digits}`);
}

/** The decimal `n`·10^-digits as the nearest double. */
function scaled(n: number, digits: number): number {
  // 10^d is exact as a double up to 10^22, and one division rounds once; beyond, parsing rounds exactly.
  return digits <= 22 ? n / 10 ** digits : Number(`${n}e-${digits}`);
}

/** The exact integer form of a stepped float's grid, when low and step are decimals of few enough digits. */
function decimalGrid(low: number, step: number, count: number): NumericDim['decimal'] {
  const digits = Math.max(decimals(low), decimals(step));
  const lowS = Math.round(shifted(low, digits));
  const stepS = Math.round(shifted(step, digits));
  if (!Number.isSafeInteger(lowS) || !Number.isSafeInteger(stepS)) return undefined;
  if (scaled(lowS, digits) !== low || scaled(stepS, digits) !== step) return undefined;
  if (Math.abs(lowS) + (count - 1) * Math.abs(stepS) > Number.MAX_SAFE_INTEGER) return undefined;
  return { low: lowS, step: stepS, digits };
}

/** Internal-scale value (ln for log dims) of a param value. */
export function toInternal(dim: NumericDim, value: number): number {
  return dim.log ? Math.log(value) : value;
}

/** Param value → [0, 1]. */
export function toUnit(dim: NumericDim, value: number): number {
  return (toInternal(dim, value) - dim.lo) / (dim.hi - dim.lo);
}

/** Internal-scale value → the nearest admissible param value (snapped to step, clamped to bounds). */
export function fromInternal(dim: NumericDim, internal: number): number {
  const x = dim.log ? Math.exp(internal) : internal;
  return snap(dim, x);
}

/** [0, 1] → the nearest admissible param value. Values outside [0, 1] are clamped. */
export function fromUnit(dim: NumericDim, u: number): number {
  const c = u < 0 ? 0 : u > 1 ? 1 : u;
  return fromInternal(dim, dim.lo + c * (dim.hi - dim.lo));
}

/** Nearest admissible value of a raw number: clamped, rounded to step/int, float noise removed. */
export function snap(dim: NumericDim, x: number): number {
  const { low, high } = dim.def;
  if (Number.isNaN(x)) return low;
  if (dim.step !== undefined) return valueAt(dim, Math.min(dim.count - 1, Math.max(0, Math.round((x - low) / dim.step))));
  const v = x < low ? low : x > high ? high : x;
  if (dim.isInt) return Math.round(v);
  // Below the storable magnitude a float is 0 for every purpose; 0 lies within bounds that straddle it
  // (storable bounds of one sign keep every value at least 1e-130 away from 0).
  return Math.abs(v) < MIN_MAGNITUDE ? 0 : v;
}

/**
 * Value number `k` (0 = the lowest) of a discrete numeric dim, without listing the others (an int may
 * have 2^53 values).
 */
export function valueAt(dim: NumericDim, k: number): number {
  const { low, high } = dim.def;
  if (dim.log) return low + k; // log ints: every int from low to high
  if (dim.wideSteps !== undefined) return wideIntAt(dim, k);
  const step = dim.step as number;
  // Ints within a span below 2^53: k * step <= high - low, so every term and the sum are exact.
  if (dim.isInt) return low + k * step;
  const v = dim.decimal ? scaled(dim.decimal.low + k * dim.decimal.step, dim.decimal.digits) : cleanFloat(low + k * step);
  return v > high ? high : v < low ? low : v;
}

/**
 * Removes binary noise from a stepped float whose grid is not a short decimal (0.1 + 2 * 0.1 → 0.3);
 * below the storable magnitude it is 0, which such a grid then has (spec.ts refuses grids with values
 * nearer 0 than that).
 */
function cleanFloat(v: number): number {
  const c = Number(v.toPrecision(14));
  return Math.abs(c) < MIN_MAGNITUDE ? 0 : c;
}

/** low + k * step of an int too wide for doubles to count exactly, in BigInt: on the step grid, within [low, high]. */
function wideIntAt(dim: NumericDim, k: number): number {
  const steps = BigInt(k);
  const kb = steps > dim.wideSteps! ? dim.wideSteps! : steps;
  return Number(BigInt(dim.def.low) + kb * BigInt(dim.step!));
}

/** Whether the int `v` is low + k * step for a whole k, exactly (ints run to ±(2^53 - 1), their differences past 2^53). */
function onIntGrid(v: number, low: number, step: number): boolean {
  const d = v - low;
  return Number.isSafeInteger(d) ? d % step === 0 : (BigInt(v) - BigInt(low)) % BigInt(step) === 0n;
}

/** Index of a categorical value among the choices, or -1. Numbers and booleans compare by JSON identity. */
export function choiceIndex(dim: CategoricalDim, value: ParamValue): number {
  let index = choiceIndexes.get(dim);
  if (!index) {
    // A lookup table rather than a scan: the model reads every run's every choice on every ask, and
    // scanning 1000 choices made reading 5000 runs of 100 such params take 125 ms instead of 78.
    // Map keys compare like === for these values; the first of repeated choices wins, as in a scan.
    index = new Map();
    dim.choices.forEach((c, i) => {
      if (!index!.has(c)) index!.set(c, i);
    });
    choiceIndexes.set(dim, index);
  }
  return index.get(value) ?? -1;
}

const choiceIndexes = new WeakMap<CategoricalDim, Map<ParamValue, number>>();

/**
 * Width, in unit coordinates, of the slice that maps to the admissible value nearest `u` (every point
 * of the slice snaps to that value); 0 for continuous dims. Equal for linear ints and stepped floats
 * (1 / count); on a log int it shrinks as the values grow (ln(v + ½) − ln(v − ½) over the range).
 */
export function sliceWidth(dim: NumericDim, u: number): number {
  if (!Number.isFinite(dim.count)) return 0;
  if (!dim.log) return 1 / dim.count;
  const v = fromUnit(dim, u);
  return (Math.log(v + 0.5) - Math.log(v - 0.5)) / (dim.hi - dim.lo);
}

/** All admissible values of a discrete dim, in increasing order (or the choices, in order). */
export function dimValues(dim: Dim): ParamValue[] {
  const axis = discreteAxis(dim);
  return Array.from({ length: axis.length }, (_, k) => axis.at(k));
}

/** The values of one param along a grid, read by index (a list need not exist: an int may have 2^53). */
export interface GridAxis {
  length: number;
  at(k: number): ParamValue;
}

/** Every value of a discrete dim (or the choices), in increasing order, without listing them. */
export function discreteAxis(dim: Dim): GridAxis {
  if (dim.kind === 'categorical') return { length: dim.count, at: (k) => dim.choices[k] };
  if (!Number.isFinite(dim.count)) throw new RangeError(`${dim.name} is continuous and has no finite set of values`);
  return { length: dim.count, at: (k) => valueAt(dim, k) };
}

/**
 * The point at `index` of the grid spanned by `axes` (one per param, in space order), counting in mixed
 * radix with the last param fastest. Indices run over [0, product of axis lengths).
 */
export function gridPointAt(space: Space, axes: readonly GridAxis[], index: number): Params {
  const values: ParamValue[] = new Array(axes.length);
  let rest = index;
  for (let i = axes.length - 1; i >= 0; i--) {
    values[i] = axes[i].at(rest % axes[i].length);
    rest = Math.floor(rest / axes[i].length);
  }
  return Object.fromEntries(space.map((d, i) => [d.name, values[i]]));
}

/** Number of distinct points in the space (Infinity when any param is continuous). */
export function spaceSize(space: Space): number {
  return dimsOf(space).reduce((n, d) => n * d.count, 1);
}

/** Width of the one-hot encoding: 1 per numeric param, one per choice per categorical. */
export function encodedWidth(space: Space): number {
  return dimsOf(space).reduce((n, d) => n + (d.kind === 'numeric' ? 1 : d.count), 0);
}

/** Params → a point in the unit cube (one-hot for categoricals), for GP / CMA-ES style models. */
export function encodeUnit(space: Space, params: Params): number[] {
  const out: number[] = [];
  for (const dim of dimsOf(space)) {
    const v = params[dim.name];
    if (dim.kind === 'numeric') out.push(toUnit(dim, v as number));
    else {
      const idx = choiceIndex(dim, v);
      for (let i = 0; i < dim.count; i++) out.push(i === idx ? 1 : 0);
    }
  }
  return out;
}

/** A unit-cube point → params: numerics snapped, each categorical block decoded by its argmax. */
export function decodeUnit(space: Space, vec: readonly number[]): Params {
  const params: Params = {};
  let i = 0;
  for (const dim of dimsOf(space)) {
    if (dim.kind === 'numeric') params[dim.name] = fromUnit(dim, vec[i++]);
    else {
      let best = 0;
      for (let j = 1; j < dim.count; j++) if (vec[i + j] > vec[i + best]) best = j;
      params[dim.name] = dim.choices[best];
      i += dim.count;
    }
  }
  return params;
}

/** Uniform draw over the space (on the internal scale: log params are log-uniform). */
export function sampleUniform(space: Space, rng: Rng): Params {
  const params: Params = {};
  for (const dim of dimsOf(space)) {
    params[dim.name] = dim.kind === 'numeric' ? fromUnit(dim, rng.next()) : dim.choices[rng.int(dim.count)];
  }
  return params;
}

/**
 * Canonical key of a point, to find exact duplicates. A categorical counts by its choice index, not its
 * value: choices may be 300-character strings, and keying 5000 runs of 100 such params by value built
 * 300 MB of strings (1.1 s) on every ask. A value that is not a choice keeps its own, distinct key.
 */
export function paramsKey(space: Space, params: Params): string {
  return JSON.stringify(
    dimsOf(space).map((d) => {
      const v = params[d.name];
      if (d.kind !== 'categorical') return v;
      const k = choiceIndex(d, v);
      return k >= 0 ? k : { value: v };
    }),
  );
}

/** Params in the space's order (DynamoDB maps do not keep key order). */
export function orderParams(space: Space, params: Params): Params {
  const out: Params = {};
  for (const d of space) if (d.name in params) out[d.name] = params[d.name];
  return out;
}

/**
 * A valid point (paramsProblems found nothing) in the space's order, with each stepped float moved onto
 * its grid value exactly: the API accepts 0.30000000000000004 for the 0.3 of a 0.1 grid, and an
 * enqueued or warm-start point must then count as the very point a strategy proposes (no duplicates,
 * grid points used up).
 */
export function canonicalParams(space: Space, params: Params): Params {
  const out = orderParams(space, params);
  for (const d of dimsOf(space)) {
    const v = out[d.name];
    if (d.kind === 'numeric' && !d.isInt && d.step !== undefined && typeof v === 'number') out[d.name] = snap(d, v);
  }
  return out;
}

/**
 * Why `params` is not a point of the space, one message per field (empty when it is). Used to validate
 * enqueued and warm-start params: they must be exactly what a strategy could have proposed.
 */
export function paramsProblems(space: Space, params: unknown, prefix = 'params'): { path: string; message: string }[] {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return [{ path: prefix, message: 'must be an object of { paramName: value }' }];
  }
  const out: { path: string; message: string }[] = [];
  const obj = params as Record<string, unknown>;
  const known = new Set(space.map((d) => d.name));
  for (const k of Object.keys(obj)) if (!known.has(k)) out.push({ path: `${prefix}.${k}`, message: 'is not a parameter of this study' });
  for (const dim of dimsOf(space)) {
    const path = `${prefix}.${dim.name}`;
    const v = obj[dim.name];
    if (v === undefined) {
      out.push({ path, message: 'is missing' });
      continue;
    }
    if (dim.kind === 'categorical') {
      if (choiceIndex(dim, v as ParamValue) < 0) out.push({ path, message: `must be one of ${JSON.stringify(dim.choices)}` });
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      out.push({ path, message: 'must be a finite number' });
      continue;
    }
    if (!isStorableNumber(v)) {
      out.push({ path, message: STORABLE_MESSAGE });
      continue;
    }
    const { low, high } = dim.def;
    if (v < low || v > high) out.push({ path, message: `must be within [${low}, ${high}]` });
    else if (dim.isInt && !Number.isInteger(v)) out.push({ path, message: 'must be an integer' });
    else if (dim.isInt && !onIntGrid(v, low, dim.step ?? 1)) out.push({ path, message: `must be on the grid low + k * step (step ${dim.step})` });
    else if (!dim.isInt && dim.step !== undefined && Math.abs(snap(dim, v) - v) > 1e-9 * Math.max(1, Math.abs(v))) {
      out.push({ path, message: `must be on the grid low + k * step (step ${dim.step})` });
    }
  }
  return out;
}
