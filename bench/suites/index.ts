/**
 * The suites `npm run bench` runs, in order. Each module exports `name` and
 * `run(opts): Promise<string>` returning one markdown section. Adding a suite is one line here.
 */
import type { BenchOptions } from '../lib/options';
import * as api from './api';
import * as pruners from './pruners';
import * as regret from './regret';
import * as speed from './speed';

export interface Suite {
  name: string;
  run(opts: BenchOptions): Promise<string>;
}

export const suites: Suite[] = [
  regret,
  speed,
  pruners,
  api,
];
