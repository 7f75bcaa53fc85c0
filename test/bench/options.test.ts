import { describe, expect, it } from 'vitest';
import { benchOptionsFrom, seedList } from '../../bench/lib/options';

describe('bench options', () => {
  it('runs seeds 1..N unless a first seed is given', () => {
    expect(seedList(benchOptionsFrom(['--seeds=3'], {}), 3)).toEqual([1, 2, 3]);
    expect(seedList(benchOptionsFrom(['--seeds=3', '--first-seed=3001'], {}), 3)).toEqual([3001, 3002, 3003]);
    expect(seedList(benchOptionsFrom([], { BENCH_FIRST_SEED: '1001' }), 2)).toEqual([1001, 1002]);
  });

  it('reads --seeds or BENCH_SEEDS, and leaves the default to the suite otherwise', () => {
    expect(benchOptionsFrom(['--seeds=50'], {}).seeds).toBe(50);
    expect(benchOptionsFrom([], { BENCH_SEEDS: '20' }).seeds).toBe(20);
    expect(benchOptionsFrom(['--quick'], {}).seeds).toBeUndefined();
  });

  it('prefers the command line to the environment', () => {
    expect(benchOptionsFrom(['--seeds=7'], { BENCH_SEEDS: '50' }).seeds).toBe(7);
    expect(benchOptionsFrom(['--first-seed=5'], { BENCH_FIRST_SEED: '9' }).firstSeed).toBe(5);
  });

  it('refuses seed counts and first seeds that are not integers in range, naming the flag', () => {
    expect(() => benchOptionsFrom(['--seeds=0'], {})).toThrow('--seeds must be an integer in 1..1000, got "0"');
    expect(() => benchOptionsFrom(['--seeds=2.5'], {})).toThrow('--seeds');
    expect(() => benchOptionsFrom(['--seeds=ten'], {})).toThrow('--seeds');
    expect(() => benchOptionsFrom(['--first-seed=-1'], {})).toThrow('--first-seed must be an integer in 0..1000000, got "-1"');
    expect(() => benchOptionsFrom([], { BENCH_FIRST_SEED: 'abc' })).toThrow('--first-seed');
  });
});
