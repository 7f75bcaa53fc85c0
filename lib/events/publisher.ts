/**
 * The event port. The use cases publish after the DynamoDB write succeeded: the write is the truth, and
 * a failed publish is logged, never undoing or failing the request (see `publishSafely`).
 */
import type { TunerEvent } from './types';

export interface EventPublisher {
  /** Publishes the events in order. May throw; callers use `publishSafely`. */
  publish(events: readonly TunerEvent[]): Promise<void>;
}

export interface PublishLogger {
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Where errors go when no logger is injected: one JSON line on stderr. */
export const stderrLogger: PublishLogger = { error: (message, extra) => console.error(JSON.stringify({ level: 'ERROR', message, ...extra })) };

/** Publishes, and on failure logs instead of throwing: the state change already happened. */
export async function publishSafely(
  publisher: EventPublisher,
  events: readonly TunerEvent[],
  logger: PublishLogger = stderrLogger,
): Promise<void> {
  if (events.length === 0) return;
  try {
    await publisher.publish(events);
  } catch (err) {
    logger.error('event publish failed; the state change is stored and stays', {
      eventTypes: events.map((e) => e.eventType),
      studyId: events[0].studyId,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

/** Collects events in memory: for tests and for composing publishers. */
export class MemoryPublisher implements EventPublisher {
  readonly events: TunerEvent[] = [];
  async publish(events: readonly TunerEvent[]): Promise<void> {
    this.events.push(...events);
  }
}
