/** What the use cases need from the outside world: passed in by wiring.ts (or a test), never imported. */
import type { EventPublisher, PublishLogger } from '../events/publisher';
import type { StudyStore } from '../store/store';

export interface TunerDeps {
  store: StudyStore;
  events: EventPublisher;
  /** Epoch milliseconds. Injected so timeout tests never sleep. */
  clock: () => number;
  logger?: PublishLogger;
}

export const isoAt = (ms: number): string => new Date(ms).toISOString();
