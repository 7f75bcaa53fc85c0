/** Options every bench suite receives (from the command line or the environment). */
export interface BenchOptions {
  /** Fewer seeds / repeats, for a quick look (`--quick` or BENCH_QUICK=1). */
  quick?: boolean;
  /** Only run suites whose name is listed (`--only regret,speed` or BENCH_ONLY). */
  only?: string[];
}

export function benchOptionsFrom(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const quick = argv.includes('--quick') || env.BENCH_QUICK === '1';
  const onlyArg = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? env.BENCH_ONLY;
  const only = onlyArg ? onlyArg.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  return { quick, only };
}
