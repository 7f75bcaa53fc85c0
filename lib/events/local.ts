/**
 * The local-mode publisher: prints each event as one JSON line, keeps the most recent ones in a ring
 * buffer (so a reconnecting SSE client can catch up with `Last-Event-ID`), and fans out to subscribers.
 * Everything happens synchronously inside `publish`, so a subscriber that replays and then listens in
 * one call (see `subscribe`) can neither miss nor double an event.
 */
import type { Writable } from 'node:stream';
import type { EventPublisher } from './publisher';
import type { TunerEvent } from './types';

export const DEFAULT_HUB_CAPACITY = 1000;

export interface LocalEventHubOptions {
  /** Where events are printed, one JSON line each. Omitted: not printed (npm start passes process.stdout). */
  out?: Writable;
  /** How many recent events are kept for replay. Default 1000. */
  capacity?: number;
}

export interface SubscribeOptions {
  /** Only events of this study. */
  studyId?: string;
  /**
   * Replay the buffered events published after this one before any new event. When the id is no longer
   * (or never was) in the buffer, the whole buffer is replayed: subscribers de-duplicate on eventId, and
   * a duplicate is better than a silent gap.
   */
  afterEventId?: string;
}

export type EventListener = (event: TunerEvent) => void;

interface Subscription {
  listener: EventListener;
  studyId?: string;
}

export class LocalEventHub implements EventPublisher {
  private readonly out?: Writable;
  private readonly capacity: number;
  /** Ring buffer: `buffer[(start + i) % capacity]` is the i-th oldest kept event. */
  private readonly buffer: TunerEvent[] = [];
  private start = 0;
  private readonly subscriptions = new Set<Subscription>();
  private outBroken = false;

  constructor(options: LocalEventHubOptions = {}) {
    const capacity = options.capacity ?? DEFAULT_HUB_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity: must be a positive integer (got ${capacity})`);
    }
    this.capacity = capacity;
    this.out = options.out;
    // A broken output (EPIPE on a piped stdout) must not crash the service: stop printing instead.
    this.out?.on('error', () => {
      this.outBroken = true;
    });
  }

  async publish(events: readonly TunerEvent[]): Promise<void> {
    for (const event of events) this.accept(event);
  }

  /**
   * Calls `listener` for every future event (of `studyId`, if given), after replaying buffered events when
   * `afterEventId` is given. Returns the function that stops it.
   */
  subscribe(listener: EventListener, options: SubscribeOptions = {}): () => void {
    const subscription: Subscription = { listener, studyId: options.studyId };
    if (options.afterEventId !== undefined) {
      for (const event of this.since(options.afterEventId, options.studyId)) deliver(subscription, event);
    }
    this.subscriptions.add(subscription);
    return () => {
      this.subscriptions.delete(subscription);
    };
  }

  /** The buffered events, oldest first (of `studyId`, if given). */
  recent(studyId?: string): TunerEvent[] {
    const all: TunerEvent[] = [];
    for (let i = 0; i < this.buffer.length; i++) all.push(this.buffer[(this.start + i) % this.buffer.length]);
    return studyId === undefined ? all : all.filter((e) => e.studyId === studyId);
  }

  /** How many subscribers are listening (for tests and diagnostics). */
  get subscriberCount(): number {
    return this.subscriptions.size;
  }

  private since(eventId: string, studyId?: string): TunerEvent[] {
    const all = this.recent();
    const at = all.findIndex((e) => e.eventId === eventId);
    const after = at === -1 ? all : all.slice(at + 1);
    return studyId === undefined ? after : after.filter((e) => e.studyId === studyId);
  }

  private accept(event: TunerEvent): void {
    if (this.buffer.length < this.capacity) {
      this.buffer.push(event);
    } else {
      this.buffer[this.start] = event;
      this.start = (this.start + 1) % this.capacity;
    }
    if (this.out && this.out.writable && !this.outBroken) this.out.write(`${JSON.stringify(event)}\n`);
    for (const subscription of [...this.subscriptions]) deliver(subscription, event);
  }
}

function deliver(subscription: Subscription, event: TunerEvent): void {
  if (subscription.studyId !== undefined && subscription.studyId !== event.studyId) return;
  try {
    subscription.listener(event);
  } catch (err) {
    // One failing subscriber must not keep the event from the others, nor fail the publishing request.
    console.error(JSON.stringify({ level: 'ERROR', message: 'event subscriber failed', eventId: event.eventId, error: String(err) }));
  }
}
