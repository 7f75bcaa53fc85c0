/** Placeholder while the suite is written. */
import type { BenchOptions } from '../lib/options';

export const name = 'regret';

export async function run(_opts: BenchOptions): Promise<string> {
  return '## regret\n\n(not written yet)';
}
