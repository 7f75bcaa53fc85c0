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
/** Event lines waiting in `out` beyond this are dropped rather than kept in memory (1 MB). */
export const DEFAULT_MAX_PENDING_OUT_BYTES = 1024 * 1024;

export interface LocalEventHubOptions {
  /** Where events are printed, one JSON line each. Omitted: not printed (npm start passes process.stdout). */
  out?: Writable;
  /** How many recent events are kept for replay. Default 1000. */
  capacity?: number;
  /**
   * How many bytes of event lines may wait in `out` (a paused `npm start | less`, a slow terminal) before
   * further lines are dropped; default 1 MB. Without a bound every line would be kept in memory until the
   * reader catches up, which it may never do.
   */
  maxPendingOutBytes?: number;
  /** Where the one-line notices about dropped lines go (default: standard error, which the pipe does not hold up). */
  notice?: (line: string) => void;
}

export interface SubscribeOptions {
  /** Only events of this study. */
  studyId?: string;
  /**
   * Replay the buffered events published after this one before any new event. When the id is no longer
   * (or never was) in the buffer, the whole buffer is replayed: subscribers de-duplicate on eventId, and
   * a duplicate is better than a silent gap; `onGap` is called first, so that the gap is not silent either.
   */
  afterEventId?: string;
  /**
   * Called (before the replay) when `afterEventId` is not in the buffer: events published after it may
   * have been evicted (more than `capacity` since), or were published before a restart.
   */
  onGap?: () => void;
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
  private readonly maxPendingOutBytes: number;
  private readonly notice: (line: string) => void;
  /** Event lines dropped since `out` last had room. */
  private dropped = 0;

  constructor(options: LocalEventHubOptions = {}) {
    const capacity = options.capacity ?? DEFAULT_HUB_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity: must be a positive integer (got ${capacity})`);
    }
    this.capacity = capacity;
    this.out = options.out;
    this.maxPendingOutBytes = options.maxPendingOutBytes ?? DEFAULT_MAX_PENDING_OUT_BYTES;
    this.notice = options.notice ?? ((line) => console.error(line));
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
      const { known, events } = this.since(options.afterEventId, options.studyId);
      if (!known) options.onGap?.();
      for (const event of events) deliver(subscription, event);
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

  private since(eventId: string, studyId?: string): { known: boolean; events: TunerEvent[] } {
    const all = this.recent();
    const at = all.findIndex((e) => e.eventId === eventId);
    const after = at === -1 ? all : all.slice(at + 1);
    return { known: at !== -1, events: studyId === undefined ? after : after.filter((e) => e.studyId === studyId) };
  }

  /** Prints the event unless `out` is broken or already holds more than its share of unread lines. */
  private print(event: TunerEvent): void {
    const out = this.out;
    if (!out || !out.writable || this.outBroken) return;
    if (out.writableLength > this.maxPendingOutBytes) {
      if (this.dropped++ === 0) {
        this.notice(
          `events: standard output is not being read (${out.writableLength} bytes waiting): event lines are dropped until it is; GET /events and the API still have everything`,
        );
        out.once('drain', () => {
          this.notice(`events: standard output is read again; ${this.dropped} event line${this.dropped === 1 ? ' was' : 's were'} dropped`);
          this.dropped = 0;
        });
      }
      return;
    }
    out.write(`${JSON.stringify(event)}\n`);
  }

  private accept(event: TunerEvent): void {
    if (this.buffer.length < this.capacity) {
      this.buffer.push(event);
    } else {
      this.buffer[this.start] = event;
      this.start = (this.start + 1) % this.capacity;
    }
    this.print(event);
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
