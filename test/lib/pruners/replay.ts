/**
 * Replays hand-made learning curves through a pruner the way the report use case does (stepsToLoad,
 * then decide with the other runs' values at those steps), one report at a time, and says what
 * became of each run.
 */
import type { Direction, RunState } from '../../../lib/domain/types';
import type { Pruner, PruneDecision, StepValue } from '../../../lib/pruners/pruner';

/** A hand-made curve: value by step. */
export type Curve = Record<number, number>;

export interface Replayed {
  /** 'completed', or 'pruned@<step>'. */
  outcome: Record<number, string>;
  /** The decision that pruned each pruned run. */
  decisions: Record<number, PruneDecision>;
}

interface Live {
  curve: Map<number, number>;
  state: RunState;
}

/**
 * Runs report in `order`: a list of run numbers, each entry meaning "that run reports its next step".
 * Default order: each run reports all its steps, then the next run starts (one worker).
 */
export function replay<O>(
  pruner: Pruner<O>,
  rawOptions: Record<string, unknown>,
  direction: Direction,
  curves: Curve[],
  order?: number[],
): Replayed {
  const options = pruner.parseOptions(rawOptions);
  const steps = curves.map((c) => Object.keys(c).map(Number).sort((a, b) => a - b));
  const seq = order ?? curves.flatMap((_, i) => steps[i].map(() => i));
  const runs: Live[] = curves.map(() => ({ curve: new Map(), state: 'running' }));
  const next = curves.map(() => 0);
  const result: Replayed = { outcome: {}, decisions: {} };
  let finishedRuns = 0;

  for (const i of seq) {
    const run = runs[i];
    if (run.state !== 'running') continue;
    const step = steps[i][next[i]++];
    const value = curves[i][step];
    run.curve.set(step, value);
    const wanted = pruner.stepsToLoad({ step, options, curve: run.curve });
    const others = new Map<number, StepValue[]>();
    for (const s of wanted) {
      const at: StepValue[] = [];
      runs.forEach((r, j) => {
        const v = r.curve.get(s);
        if (j !== i && v !== undefined) at.push({ number: j, value: v, state: r.state });
      });
      others.set(s, at);
    }
    const d = pruner.decide({ direction, options, run: { number: i, step, value, curve: run.curve }, others, finishedRuns });
    if (d.prune) {
      run.state = 'pruned';
      result.outcome[i] = `pruned@${step}`;
      result.decisions[i] = d;
      finishedRuns++;
    } else if (next[i] === steps[i].length) {
      run.state = 'completed';
      result.outcome[i] = 'completed';
      finishedRuns++;
    }
  }
  return result;
}

/** The same curves with every value negated: what a maximized study sees. */
export function mirrored(curves: Curve[]): Curve[] {
  return curves.map((c) => Object.fromEntries(Object.entries(c).map(([s, v]) => [s, -v])));
}

/** A curve from values at steps 1, 2, 3, ... */
export function steps1(...values: number[]): Curve {
  return Object.fromEntries(values.map((v, i) => [i + 1, v]));
}
