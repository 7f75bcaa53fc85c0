/**
 * Scrambled Sobol points, computed directly from their index (no state to carry between asks).
 *
 * Unscrambled points use the Joe–Kuo direction numbers in Gray-code order (Antonov–Saleev), as scipy
 * does, so the first points can be checked against published values. Scrambling is Matoušek's linear
 * matrix scramble plus a random digital shift, seeded by the study seed: the points stay a (t, s)-net
 * in base 2 (the balance that makes them better than random) but are no longer the fixed corner-heavy
 * sequence (point 0 is not the origin), and two studies with different seeds get different points.
 *
 * Dimensions beyond the table (more than 101) fall back to the seeded random digital shift alone
 * applied to a van der Corput-like stream, i.e. independent uniform values: documented in docs/strategies.md.
 */
import { createRng, mixSeed, type Rng } from '../../random';
import { JOE_KUO_ROWS } from './directions';

const BITS = 32;
const TWO_32 = 4294967296;
/** 1 (van der Corput) + the Joe–Kuo table. */
export const SOBOL_MAX_DIMS = 1 + JOE_KUO_ROWS.length;

const baseDirections: Uint32Array[] = [];

/** Direction integers V_1..V_32 of one dimension, scaled to 32 bits (V_k = m_k · 2^(32-k)). */
function directionsOf(dim: number): Uint32Array {
  const cached = baseDirections[dim];
  if (cached) return cached;
  const v = new Uint32Array(BITS);
  if (dim === 0) {
    for (let k = 0; k < BITS; k++) v[k] = (1 << (BITS - 1 - k)) >>> 0;
  } else {
    const [s, a, ...m] = JOE_KUO_ROWS[dim - 1];
    for (let k = 0; k < s; k++) v[k] = (m[k] << (BITS - 1 - k)) >>> 0;
    for (let k = s; k < BITS; k++) {
      let x = (v[k - s] ^ (v[k - s] >>> s)) >>> 0;
      for (let j = 1; j < s; j++) if ((a >>> (s - 1 - j)) & 1) x = (x ^ v[k - j]) >>> 0;
      v[k] = x;
    }
  }
  baseDirections[dim] = v;
  return v;
}

function parity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/**
 * Multiplies a 32-digit binary fraction (bit 31 = first digit) by a random lower-triangular matrix with
 * unit diagonal: digit i becomes digit i xor a random combination of the digits before it.
 */
function scrambleColumn(rows: Uint32Array, v: number): number {
  let out = 0;
  for (let i = 0; i < BITS; i++) out |= parity(rows[i] & v) << (BITS - 1 - i);
  return out >>> 0;
}

interface Scrambled {
  directions: Uint32Array[];
  shifts: Uint32Array;
}

const scrambleCache = new Map<string, Scrambled>();
const CACHE_LIMIT = 64;

function scrambledTables(seed: number, dims: number): Scrambled {
  const key = `${seed}:${dims}`;
  const hit = scrambleCache.get(key);
  if (hit) return hit;
  // One stream per dimension: adding a parameter does not reshuffle the others.
  const directions: Uint32Array[] = [];
  const shifts = new Uint32Array(dims);
  for (let d = 0; d < Math.min(dims, SOBOL_MAX_DIMS); d++) {
    const rng = createRng(mixSeed(seed, 0x50b01, d));
    const rows = new Uint32Array(BITS);
    for (let i = 0; i < BITS; i++) {
      // Row i: diagonal bit plus random bits for the earlier (more significant) digits.
      const diag = 1 << (BITS - 1 - i);
      const above = i === 0 ? 0 : (randomU32(rng) & ~((diag << 1) - 1 >>> 0)) >>> 0;
      rows[i] = (above | diag) >>> 0;
    }
    const base = directionsOf(d);
    const scrambled = new Uint32Array(BITS);
    for (let k = 0; k < BITS; k++) scrambled[k] = scrambleColumn(rows, base[k]);
    directions.push(scrambled);
    shifts[d] = randomU32(rng);
  }
  const value = { directions, shifts };
  if (scrambleCache.size >= CACHE_LIMIT) scrambleCache.delete(scrambleCache.keys().next().value as string);
  scrambleCache.set(key, value);
  return value;
}

function randomU32(rng: Rng): number {
  return Math.floor(rng.next() * TWO_32) >>> 0;
}

/** Point `index` (0-based, < 2^32) of the unscrambled sequence: the published values. */
export function sobolPoint(index: number, dims: number): number[] {
  if (dims > SOBOL_MAX_DIMS) throw new RangeError(`unscrambled Sobol points exist for at most ${SOBOL_MAX_DIMS} dimensions`);
  const gray = (index ^ (index >>> 1)) >>> 0;
  const out: number[] = [];
  for (let d = 0; d < dims; d++) out.push(combine(directionsOf(d), gray) / TWO_32);
  return out;
}

/**
 * Point `index` of the scrambled sequence of the study seeded `seed`, in (0, 1)^dims. Values are
 * centred in their 2^-32 cell so none is exactly 0 or 1.
 */
export function scrambledSobolPoint(seed: number, index: number, dims: number): number[] {
  const idx = index >>> 0;
  const gray = (idx ^ (idx >>> 1)) >>> 0;
  const { directions, shifts } = scrambledTables(seed, dims);
  const out: number[] = [];
  for (let d = 0; d < dims; d++) {
    if (d < SOBOL_MAX_DIMS) {
      out.push(((combine(directions[d], gray) ^ shifts[d]) >>> 0) / TWO_32 + 0.5 / TWO_32);
    } else {
      out.push(createRng(mixSeed(seed, 0x50b02, d, idx)).next());
    }
  }
  return out;
}

function combine(v: Uint32Array, gray: number): number {
  let x = 0;
  for (let k = 0; gray !== 0; k++, gray >>>= 1) if (gray & 1) x ^= v[k];
  return x >>> 0;
}
