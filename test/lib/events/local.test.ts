import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalEventHub } from '../../../lib/events/local';
import { makeEvent, type TunerEvent } from '../../../lib/events/types';

function events(n: number, studyId = 'study-1'): TunerEvent[] {
  return Array.from({ length: n }, (_, i) => makeEvent('RunCompleted', studyId, { runId: `r${i}`, number: i, data: { value: i } }));
}

function collector(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return { out, text: () => chunks.join('') };
}

afterEach(() => vi.restoreAllMocks());

describe('LocalEventHub', () => {
  it('prints each event as one JSON line, in order', async () => {
    const { out, text } = collector();
    const hub = new LocalEventHub({ out });
    const evs = [
      ...events(2),
      makeEvent('RunProposed', 'study-1', { runId: 'x', number: 9, data: { params: { note: 'two\nlines' }, source: 'strategy' } }),
    ];

    await hub.publish(evs);
    await new Promise((r) => setImmediate(r));

    const lines = text().split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l))).toEqual(evs);
  });

  it('keeps only the most recent events, oldest first', async () => {
    const hub = new LocalEventHub({ capacity: 3 });
    const evs = events(5);

    await hub.publish(evs.slice(0, 2));
    await hub.publish(evs.slice(2));

    expect(hub.recent()).toEqual(evs.slice(2));
  });

  it('keeps 1000 events by default', async () => {
    const hub = new LocalEventHub();
    const evs = events(1003);
    await hub.publish(evs);
    expect(hub.recent()).toHaveLength(1000);
    expect(hub.recent()[0]).toBe(evs[3]);
  });

  it('fans out to subscribers, filtered by study, until they unsubscribe', async () => {
    const hub = new LocalEventHub();
    const all: string[] = [];
    const onlyB: string[] = [];
    const stopAll = hub.subscribe((e) => all.push(e.eventId));
    hub.subscribe((e) => onlyB.push(e.eventId), { studyId: 'b' });
    const [a1] = events(1, 'a');
    const [b1] = events(1, 'b');
    const [a2] = events(1, 'a');

    await hub.publish([a1, b1]);
    stopAll();
    await hub.publish([a2]);

    expect(all).toEqual([a1.eventId, b1.eventId]);
    expect(onlyB).toEqual([b1.eventId]);
    expect(hub.subscriberCount).toBe(1);
  });

  it('replays the buffered events after a given event before the live ones', async () => {
    const hub = new LocalEventHub();
    const evs = events(4);
    await hub.publish(evs.slice(0, 3));
    const seen: string[] = [];

    hub.subscribe((e) => seen.push(e.eventId), { afterEventId: evs[0].eventId });
    await hub.publish([evs[3]]);

    expect(seen).toEqual(evs.slice(1).map((e) => e.eventId));
  });

  it('replays the whole buffer when the given event is unknown or already evicted', async () => {
    const hub = new LocalEventHub({ capacity: 2 });
    const evs = events(3);
    await hub.publish(evs);
    const seen: string[] = [];

    hub.subscribe((e) => seen.push(e.eventId), { afterEventId: evs[0].eventId });

    expect(seen).toEqual([evs[1].eventId, evs[2].eventId]);
  });

  it('says so (onGap) before replaying when the given event is no longer kept, and only then', async () => {
    const hub = new LocalEventHub({ capacity: 2 });
    const evs = events(3);
    await hub.publish(evs);
    const seen: string[] = [];

    hub.subscribe((e) => seen.push(e.eventId), { afterEventId: evs[0].eventId, onGap: () => seen.push('gap') });
    hub.subscribe(() => undefined, { afterEventId: evs[1].eventId, onGap: () => seen.push('unexpected gap') });

    expect(seen).toEqual(['gap', evs[1].eventId, evs[2].eventId]);
  });

  it('filters the replay by study too', async () => {
    const hub = new LocalEventHub();
    const [a1, a2] = events(2, 'a');
    const [b1] = events(1, 'b');
    await hub.publish([a1, b1, a2]);
    const seen: string[] = [];

    hub.subscribe((e) => seen.push(e.eventId), { studyId: 'a', afterEventId: a1.eventId });

    expect(seen).toEqual([a2.eventId]);
  });

  it('a throwing subscriber neither fails the publish nor keeps the event from the others', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const hub = new LocalEventHub();
    const seen: string[] = [];
    hub.subscribe(() => {
      throw new Error('subscriber bug');
    });
    hub.subscribe((e) => seen.push(e.eventId));
    const [e] = events(1);

    await expect(hub.publish([e])).resolves.toBeUndefined();

    expect(seen).toEqual([e.eventId]);
    expect(String(logged.mock.calls[0]?.[0])).toContain('event subscriber failed');
  });

  it('stops printing when the output breaks, and keeps serving subscribers', async () => {
    const out = new Writable({
      write(_chunk, _enc, cb) {
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const hub = new LocalEventHub({ out });
    const seen: string[] = [];
    hub.subscribe((e) => seen.push(e.eventId));
    const evs = events(2);

    await hub.publish([evs[0]]);
    await new Promise((r) => setImmediate(r));
    await hub.publish([evs[1]]);

    expect(seen).toEqual(evs.map((e) => e.eventId));
    expect(hub.recent()).toEqual(evs);
  });

  it('drops event lines, with a notice, while the output is not being read, instead of buffering them all', async () => {
    const held: (() => void)[] = [];
    let lines = 0;
    // A reader that has stopped (a paused `npm start | less`): no write completes until it resumes.
    const out = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        lines++;
        held.push(cb);
      },
    });
    const notices: string[] = [];
    const hub = new LocalEventHub({ out, maxPendingOutBytes: 4096, notice: (line) => notices.push(line) });
    const line = JSON.stringify(events(1)[0]).length + 1;

    await hub.publish(events(500));

    expect(out.writableLength).toBeLessThanOrEqual(4096 + line + 16);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/standard output is not being read .* dropped/);

    // The reader resumes: the lines already waiting go out, then one notice says how many were dropped.
    while (held.length > 0) held.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(notices).toHaveLength(2);
    expect(notices[1]).toBe(`events: standard output is read again; ${500 - lines} event lines were dropped`);
    expect(lines).toBeGreaterThan(1);

    await hub.publish(events(1));
    expect(notices).toHaveLength(2);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LocalEventHub({ capacity: 0 })).toThrow(/capacity: must be a positive integer/);
    expect(() => new LocalEventHub({ capacity: 2.5 })).toThrow(/capacity/);
  });
});
