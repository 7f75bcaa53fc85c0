/**
 * `npm run bench`: runs every suite in bench/suites/index.ts, prints one markdown report and writes it
 * to bench/results/latest.md (gitignored). `--quick` (or BENCH_QUICK=1) for fewer seeds, `--only=a,b`
 * (or BENCH_ONLY) for some suites.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchOptionsFrom } from './lib/options';
import { suites } from './suites/index';

async function main(): Promise<void> {
  const opts = benchOptionsFrom(process.argv.slice(2), process.env);
  const started = Date.now();
  const sections: string[] = [
    `# Benchmark report`,
    `${new Date().toISOString()} · node ${process.version} · ${opts.quick ? 'quick' : 'full'} run`,
  ];
  for (const suite of suites) {
    if (opts.only && !opts.only.includes(suite.name)) continue;
    const t0 = Date.now();
    process.stderr.write(`[bench] ${suite.name}...\n`);
    try {
      sections.push(await suite.run(opts));
    } catch (err) {
      sections.push(`## ${suite.name}\n\nFAILED: ${(err as Error)?.stack ?? err}`);
      process.exitCode = 1;
    }
    process.stderr.write(`[bench] ${suite.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  sections.push(`_Total bench time: ${((Date.now() - started) / 1000).toFixed(0)} s._`);
  const report = sections.join('\n\n') + '\n';
  process.stdout.write(report);
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'latest.md');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
