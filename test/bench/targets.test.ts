import { describe, expect, it } from 'vitest';
import { regretTargets, speedTargets, targetsTable } from '../../bench/lib/targets';

const row = (fn: string, tpeVsOptuna: number | undefined, autoVsTpe = [1, 1]) => ({ fn, tpeVsOptuna, autoVsTpe });

describe('regretTargets', () => {
  it('fails the every-function target on one ratio above 1 and names that function', () => {
    const [every, gm, auto] = regretTargets([row('A', 0.2), row('Zak', 1.9), row('C', 0.5)], 100);
    expect(every.met).toBe(false);
    expect(every.measured).toBe('above 1: Zak 1.90 (10 seeds, no interval: `--seeds=50` gives one)');
    expect(gm.met).toBe(true);
    expect(Number(gm.measured)).toBeCloseTo(Math.cbrt(0.2 * 1.9 * 0.5), 2);
    expect(auto.met).toBe(true);
  });

  it('says of each miss whether its 90 % interval contains 1, when the run had seeds enough for intervals', () => {
    const rows = [
      { ...row('Zak', 1.2), tpeVsOptunaInterval: [0.8, 1.56] as [number, number] },
      { ...row('Ras', 1.4), tpeVsOptunaInterval: [1.1, 1.9] as [number, number] },
      { ...row('A', 0.5), tpeVsOptunaInterval: [0.3, 0.7] as [number, number] },
    ];
    const [every] = regretTargets(rows, 100, 50);
    expect(every.met).toBe(false);
    expect(every.measured).toBe('above 1: Zak 1.20 (90 % interval 0.800–1.56, contains 1), Ras 1.40 (90 % interval 1.10–1.90, above 1)');
  });

  it('fails the geometric-mean target above 0.8 even when every function is at most 1', () => {
    const [every, gm] = regretTargets([row('A', 0.9), row('B', 1)], 100);
    expect(every.met).toBe(true);
    expect(gm.met).toBe(false);
  });

  it('fails the auto target when auto is worse than tpe at any budget', () => {
    const checks = regretTargets([row('A', 0.5, [1, 1.3]), row('B', 0.5, [0.9, 1])], 100);
    const auto = checks[checks.length - 1];
    expect(auto.met).toBe(false);
    expect(auto.measured).toBe('worse on: A 1.30');
  });

  it('checks only the auto target when Optuna did not run', () => {
    const checks = regretTargets([row('A', undefined), row('B', undefined)], 100);
    expect(checks).toHaveLength(1);
    expect(checks[0].target).toMatch(/auto/);
  });
});

describe('speedTargets', () => {
  it('needs both 20 ms or less and 10x Optuna', () => {
    expect(speedTargets(3.3, 97).map((c) => c.met)).toEqual([true, true]);
    expect(speedTargets(25, 1000).map((c) => c.met)).toEqual([false, true]);
    expect(speedTargets(5, 40).map((c) => c.met)).toEqual([true, false]);
    expect(speedTargets(5, undefined)).toHaveLength(1);
  });
});

describe('targetsTable', () => {
  it('prints one markdown row per check, with unmet ones in bold', () => {
    const table = targetsTable(speedTargets(25, 1000));
    expect(table.split('\n')).toHaveLength(4);
    expect(table).toContain('| **no** | 25.0 ms |');
  });
});
