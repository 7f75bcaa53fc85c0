/**
 * Benchmark objectives (all minimized) with their spaces and known minima. bench/optuna_side.py holds
 * the same definitions for the Optuna side: change both together.
 */
import type { Params, Space } from '../../lib/domain/types';

export interface BenchFunction {
  name: string;
  space: Space;
  fMin: number;
  f(p: Params): number;
}

const box = (names: string[], low: number, high: number): Space => names.map((name) => ({ name, type: 'float', low, high }));
const xs = (p: Params, n: number) => Array.from({ length: n }, (_, i) => p[`x${i}`] as number);
const names = (n: number) => Array.from({ length: n }, (_, i) => `x${i}`);

export const goldsteinPrice: BenchFunction = {
  name: 'Goldstein-Price 2-D',
  space: box(names(2), -2, 2),
  fMin: 3,
  f(p) {
    const [x, y] = xs(p, 2);
    const a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y);
    const b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y);
    return a * b;
  },
};

export const beale: BenchFunction = {
  name: 'Beale 2-D',
  space: box(names(2), -4.5, 4.5),
  fMin: 0,
  f(p) {
    const [x, y] = xs(p, 2);
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y ** 3) ** 2;
  },
};

export const rastrigin: BenchFunction = {
  name: 'Rastrigin 5-D',
  space: box(names(5), -5.12, 5.12),
  fMin: 0,
  f(p) {
    return xs(p, 5).reduce((s, x) => s + x * x - 10 * Math.cos(2 * Math.PI * x) + 10, 0);
  },
};

export const zakharov: BenchFunction = {
  name: 'Zakharov 6-D',
  space: box(names(6), -5, 10),
  fMin: 0,
  f(p) {
    const v = xs(p, 6);
    const s1 = v.reduce((s, x) => s + x * x, 0);
    const s2 = v.reduce((s, x, i) => s + 0.5 * (i + 1) * x, 0);
    return s1 + s2 ** 2 + s2 ** 4;
  },
};

export const SPHERE_SHIFT = [1.5, -2.3, 0.7, 3.1, -0.4, -3.6, 2.2, -1.1];
export const shiftedSphere: BenchFunction = {
  name: 'Shifted sphere 8-D',
  space: box(names(8), -5, 5),
  fMin: 0,
  f(p) {
    return xs(p, 8).reduce((s, x, i) => s + (x - SPHERE_SHIFT[i]) ** 2, 0);
  },
};

/**
 * A training-run stand-in: log-uniform learning rate, int batch size (log scale), optimizer, dropout.
 * The best learning rate depends on the optimizer and grows with the batch size (interaction); each
 * optimizer has its own floor. Minimum 0.05 at adam, batch 64, lr 10^-3, dropout 0.2.
 */
const OPT = {
  sgd: { base: 0.12, lr: -1.5, width: 0.6 },
  adam: { base: 0.05, lr: -3, width: 0.8 },
  rmsprop: { base: 0.08, lr: -3.5, width: 0.5 },
} as const;
export const mixed: BenchFunction = {
  name: 'Mixed ML-like 4-D',
  space: [
    { name: 'lr', type: 'float', low: 1e-5, high: 1, log: true },
    { name: 'batch', type: 'int', low: 16, high: 512, log: true },
    { name: 'optimizer', type: 'categorical', choices: ['sgd', 'adam', 'rmsprop'] },
    { name: 'dropout', type: 'float', low: 0, high: 0.8 },
  ],
  fMin: 0.05,
  f(p) {
    const o = OPT[p.optimizer as keyof typeof OPT];
    const lb = Math.log2(p.batch as number);
    const lrStar = o.lr + 0.5 * (lb - 6);
    const dl = (Math.log10(p.lr as number) - lrStar) / o.width;
    const batchTerm = 0.01 * (lb - 6) ** 2;
    const dropTerm = 0.3 * ((p.dropout as number) - 0.2) ** 2 * (p.optimizer === 'sgd' ? 0.5 : 1);
    return o.base + 0.1 * (1 - Math.exp(-dl * dl)) * 4 + batchTerm + dropTerm;
  },
};

export const BENCH_FUNCTIONS: BenchFunction[] = [goldsteinPrice, beale, rastrigin, zakharov, shiftedSphere, mixed];
