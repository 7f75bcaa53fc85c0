/**
 * The SNS adapter of the event port. Each event goes out as its JSON with String message attributes
 * `studyId` and `eventType`, so a subscription can filter with a filter policy instead of receiving
 * every study's traffic. Several events go out in PublishBatch calls (fewer round trips inside the
 * request), in order. Retries are the SDK's (`maxAttempts`); what still fails is thrown as one
 * `EventPublishError` after the other events were tried, and `publishSafely` logs it.
 */
import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { MessageAttributeValue, PublishBatchRequestEntry, SNSClientConfig } from '@aws-sdk/client-sns';
import { TunerError } from '../errors';
import type { EventPublisher } from './publisher';
import type { TunerEvent } from './types';

/** SNS's limit for one message (body + attributes) and for the sum of a PublishBatch request. */
export const SNS_MAX_MESSAGE_BYTES = 256 * 1024;
export const SNS_MAX_BATCH_ENTRIES = 10;
/**
 * Publishing is on the request path: a hung connection must fail (and be retried by the SDK) in seconds,
 * not hold the request until the Lambda times out. Used unless the client config sets a requestHandler.
 * (Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes.)
 */
export const SNS_DEFAULT_TIMEOUTS = { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true };

export type SnsPublisherOptions =
  | { topicArn: string; client: SNSClient; clientConfig?: never }
  | { topicArn: string; clientConfig?: SNSClientConfig; client?: never };

export interface EventPublishFailure {
  eventId: string;
  eventType: string;
  /** SNS's error code (`InternalError`, `Throttled`, ...) or the SDK error's name. */
  code: string;
  message: string;
  /** True when SNS says the request was at fault (retrying it unchanged will not help). */
  senderFault?: boolean;
}

/** Some events could not be published; `failures` says which and why. The others were published. */
export class EventPublishError extends TunerError {
  readonly failures: EventPublishFailure[];
  constructor(failures: EventPublishFailure[], total: number, cause?: unknown) {
    const first = failures[0];
    super(
      'ServiceUnavailable',
      503,
      `${failures.length} of ${total} events were not published to SNS (first: ${first?.eventType} ${first?.eventId}: ${first?.code}: ${first?.message})`,
      { details: { failures }, cause },
    );
    this.failures = failures;
  }
}

interface Outgoing {
  event: TunerEvent;
  message: string;
  attributes: Record<string, MessageAttributeValue>;
  bytes: number;
}

export class SnsPublisher implements EventPublisher {
  readonly topicArn: string;
  readonly client: SNSClient;

  constructor(options: SnsPublisherOptions) {
    if (!options.topicArn) throw new TypeError('topicArn: must be a non-empty SNS topic ARN');
    this.topicArn = options.topicArn;
    this.client = options.client ?? new SNSClient({ requestHandler: SNS_DEFAULT_TIMEOUTS, ...options.clientConfig });
  }

  async publish(events: readonly TunerEvent[]): Promise<void> {
    if (events.length === 0) return;
    const outgoing = events.map(toOutgoing);
    const failures: EventPublishFailure[] = [];
    let cause: unknown;
    for (const chunk of chunks(outgoing)) {
      try {
        failures.push(...(chunk.length === 1 ? await this.publishOne(chunk[0]) : await this.publishBatch(chunk)));
      } catch (err) {
        // The SDK already retried what is retryable; record and go on so one bad call loses only its own events.
        cause ??= err;
        failures.push(...chunk.map((o) => failureOf(o.event, err)));
      }
    }
    if (failures.length > 0) throw new EventPublishError(failures, events.length, cause);
  }

  private async publishOne(o: Outgoing): Promise<EventPublishFailure[]> {
    await this.client.send(new PublishCommand({ TopicArn: this.topicArn, Message: o.message, MessageAttributes: o.attributes }));
    return [];
  }

  private async publishBatch(batch: Outgoing[]): Promise<EventPublishFailure[]> {
    // Ids only need to be unique within one request; the position maps a Failed entry back to its event.
    const entries: PublishBatchRequestEntry[] = batch.map((o, i) => ({ Id: `e${i}`, Message: o.message, MessageAttributes: o.attributes }));
    const result = await this.client.send(new PublishBatchCommand({ TopicArn: this.topicArn, PublishBatchRequestEntries: entries }));
    const failed = result.Failed ?? [];
    return failed.map((f) => {
      const o = batch[Number(f.Id?.slice(1))];
      return {
        eventId: o?.event.eventId ?? `unknown entry ${f.Id}`,
        eventType: o?.event.eventType ?? 'unknown',
        code: f.Code ?? 'Unknown',
        message: f.Message ?? '',
        senderFault: f.SenderFault,
      };
    });
  }
}

/** Consecutive runs of at most 10 entries and 256 KB in total, in the original order. */
function chunks(outgoing: Outgoing[]): Outgoing[][] {
  const out: Outgoing[][] = [];
  let current: Outgoing[] = [];
  let bytes = 0;
  for (const o of outgoing) {
    if (current.length === SNS_MAX_BATCH_ENTRIES || (current.length > 0 && bytes + o.bytes > SNS_MAX_MESSAGE_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(o);
    bytes += o.bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function toOutgoing(event: TunerEvent): Outgoing {
  const attributes: Record<string, MessageAttributeValue> = {
    studyId: { DataType: 'String', StringValue: event.studyId },
    eventType: { DataType: 'String', StringValue: event.eventType },
  };
  const attributeBytes = Object.entries(attributes).reduce(
    (sum, [name, v]) => sum + utf8Bytes(name) + utf8Bytes(v.DataType ?? '') + utf8Bytes(v.StringValue ?? ''),
    0,
  );
  const message = fitMessage(event, SNS_MAX_MESSAGE_BYTES - attributeBytes);
  return { event, message, attributes, bytes: utf8Bytes(message) + attributeBytes };
}

/**
 * The event's JSON, or, when that is over the limit, the JSON of the same event without its bulkiest
 * `data` fields (largest first) and with `data.truncated = true` and `data.droppedFields`: a subscriber
 * still learns that the transition happened and reads the rest from the API, instead of losing the event.
 */
export function fitMessage(event: TunerEvent, maxBytes: number = SNS_MAX_MESSAGE_BYTES): string {
  const full = JSON.stringify(event);
  if (utf8Bytes(full) <= maxBytes) return full;
  const bySize = Object.keys(event.data).sort((a, b) => utf8Bytes(JSON.stringify(event.data[b]) ?? '') - utf8Bytes(JSON.stringify(event.data[a]) ?? ''));
  const data: Record<string, unknown> = { ...event.data };
  const dropped: string[] = [];
  for (const key of bySize) {
    delete data[key];
    dropped.push(key);
    const candidate = JSON.stringify({ ...event, data: { ...data, truncated: true, droppedFields: dropped } });
    if (utf8Bytes(candidate) <= maxBytes) return candidate;
  }
  // Only the envelope is left and it is still too big (an absurdly long id): send it and let SNS refuse it.
  return JSON.stringify({ ...event, data: { truncated: true, droppedFields: dropped } });
}

function failureOf(event: TunerEvent, err: unknown): EventPublishFailure {
  const e = err as { name?: string; message?: string; $fault?: string };
  return {
    eventId: event.eventId,
    eventType: event.eventType,
    code: e?.name ?? 'Error',
    message: e?.message ?? String(err),
    ...(e?.$fault ? { senderFault: e.$fault === 'client' } : {}),
  };
}

function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
