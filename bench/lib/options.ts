/** Options every bench suite receives (from the command line or the environment). */
export interface BenchOptions {
  /** Fewer seeds / repeats, for a quick look (`--quick` or BENCH_QUICK=1). */
  quick?: boolean;
  /** Only run suites whose name is listed (`--only regret,speed` or BENCH_ONLY). */
  only?: string[];
  /** How many seeds the regret and pruner suites run (`--seeds=50` or BENCH_SEEDS); default 10 (quick: 5 and 3). */
  seeds?: number;
  /**
   * The first of those seeds (`--first-seed=3001` or BENCH_FIRST_SEED); default 1. Other seed blocks show
   * whether a result holds beyond the public seeds 1..10 (docs/strategies.md uses 1001, 2001 and 3001).
   */
  firstSeed?: number;
}

/** The seeds a suite runs: `count` of them from the chosen first seed. */
export function seedList(opts: BenchOptions, count: number): number[] {
  const first = opts.firstSeed ?? 1;
  return Array.from({ length: count }, (_, i) => first + i);
}

function intArg(argv: readonly string[], flag: string, envValue: string | undefined, min: number, max: number): number | undefined {
  const raw = argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1) ?? envValue;
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} must be an integer in ${min}..${max}, got "${raw}"`);
  return n;
}

export function benchOptionsFrom(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const quick = argv.includes('--quick') || env.BENCH_QUICK === '1';
  const onlyArg = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? env.BENCH_ONLY;
  const only = onlyArg ? onlyArg.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  const seeds = intArg(argv, '--seeds', env.BENCH_SEEDS, 1, 1000);
  const firstSeed = intArg(argv, '--first-seed', env.BENCH_FIRST_SEED, 0, 1_000_000);
  return { quick, only, seeds, firstSeed };
}
