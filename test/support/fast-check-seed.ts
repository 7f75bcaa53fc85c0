/**
 * Every property test runs from one fixed seed, so CI is deterministic: a property that fails, fails on
 * every run and on every machine. To explore new cases, run with FC_SEED=<n> (or FC_SEED=random); a
 * failure prints the seed and path that reproduce it. Tests that pass their own seed keep it.
 */
import fc from 'fast-check';

const raw = process.env.FC_SEED;
if (raw !== 'random') fc.configureGlobal({ seed: raw === undefined ? 20261124 : Number(raw) });
