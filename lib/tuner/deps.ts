/** What the use cases need from the outside world: passed in by wiring.ts (or a test), never imported. */
import { stderrLogger, type EventPublisher, type PublishLogger } from '../events/publisher';
import type { StudyStore } from '../store/store';

export interface TunerDeps {
  store: StudyStore;
  events: EventPublisher;
  /** Epoch milliseconds. Injected so timeout tests never sleep. */
  clock: () => number;
  logger?: PublishLogger;
}

export const isoAt = (ms: number): string => new Date(ms).toISOString();

/**
 * When a run that reports at `now` times out: a whole millisecond (timeouts may be fractional seconds),
 * since the sweeper's index sorts deadlines as fixed-width integers.
 */
export const deadlineAfter = (now: number, timeoutSeconds: number): number => Math.ceil(now + timeoutSeconds * 1000);

/** Logs a failure the caller goes on past (through the injected logger; to stderr without one). */
export function logFailure(deps: TunerDeps, message: string, err: unknown, extra: Record<string, unknown> = {}): void {
  const error = err instanceof Error ? { name: err.name, message: err.message } : { message: String(err) };
  (deps.logger ?? stderrLogger).error(message, { ...extra, error });
}
