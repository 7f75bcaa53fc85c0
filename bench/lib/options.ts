/** Options every bench suite receives (from the command line or the environment). */
export interface BenchOptions {
  /** Fewer seeds / repeats, for a quick look (`--quick` or BENCH_QUICK=1). */
  quick?: boolean;
  /** Only run suites whose name is listed (`--only regret,speed` or BENCH_ONLY). */
  only?: string[];
  /** Seeds 1..N for the regret and pruner suites (`--seeds=50` or BENCH_SEEDS); default 10 (quick: 5 and 3). */
  seeds?: number;
}

export function benchOptionsFrom(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const quick = argv.includes('--quick') || env.BENCH_QUICK === '1';
  const onlyArg = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? env.BENCH_ONLY;
  const only = onlyArg ? onlyArg.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  const seedsArg = argv.find((a) => a.startsWith('--seeds='))?.slice('--seeds='.length) ?? env.BENCH_SEEDS;
  let seeds: number | undefined;
  if (seedsArg !== undefined) {
    seeds = Number(seedsArg);
    if (!Number.isInteger(seeds) || seeds < 1 || seeds > 1000) throw new Error(`--seeds must be an integer in 1..1000, got "${seedsArg}"`);
  }
  return { quick, only, seeds };
}
