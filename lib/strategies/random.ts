/** Random search (the seed's RandomSearch), seeded: uniform on each param's scale (log-uniform for log). */
import { z } from 'zod';
import { sampleUniform } from '../space/transform';
import { parseWith } from './options';
import type { Strategy } from './strategy';

export const randomStrategy: Strategy<Record<string, never>> = {
  name: 'random',
  parseOptions: (raw) => parseWith(z.strictObject({}), raw, 'strategy') as Record<string, never>,
  propose: ({ space, rng }) => sampleUniform(space, rng),
};
