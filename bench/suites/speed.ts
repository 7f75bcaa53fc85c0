/** Placeholder while the suite is written. */
import type { BenchOptions } from '../lib/options';

export const name = 'speed';

export async function run(_opts: BenchOptions): Promise<string> {
  return '## speed\n\n(not written yet)';
}
