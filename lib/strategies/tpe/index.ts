/** `tpe`: Tree-structured Parzen Estimator (see sampler.ts; options and defaults in options.ts). */
import type { Strategy } from '../strategy';
import { parseTpeOptions, type TpeOptions } from './options';
import { proposeTpe } from './sampler';

export const tpeStrategy: Strategy<TpeOptions> = {
  name: 'tpe',
  parseOptions: (raw) => parseTpeOptions(raw),
  propose: proposeTpe,
};
