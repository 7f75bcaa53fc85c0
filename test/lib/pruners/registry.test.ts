import { describe, expect, it } from 'vitest';
import { TunerError } from '../../../lib/errors';
import { getPruner, PRUNER_NAMES } from '../../../lib/pruners/registry';
import { thrownBy } from '../../support/errors';

describe('pruner registry', () => {
  it('has every pruner name the API knows', () => {
    for (const name of PRUNER_NAMES) expect(getPruner(name).name).toBe(name);
  });

  it('answers PrunerNotAvailable naming pruner.name for an unknown pruner', () => {
    const err = thrownBy(() => getPruner('hyperband'));
    expect(err).toBeInstanceOf(TunerError);
    expect((err as TunerError).code).toBe('PrunerNotAvailable');
    expect((err as TunerError).message).toBe('pruner.name: unknown pruner "hyperband" (one of: none, median, asha)');
  });
});
