/**
 * Lifecycle events, as subscribers receive them (SNS message body, local SSE `data:`).
 * Version 1; fields are only ever added. docs/events.schema.json documents them.
 */
import { v4 as uuidv4 } from 'uuid';

export const EVENT_TYPES = [
  'StudyCreated',
  'StudyStopped',
  'StudyDeleted',
  'RunProposed',
  'MetricReported',
  'RunCompleted',
  'RunFailed',
  'RunPruned',
  'RunTimedOut',
  'RunRetried',
  'BestImproved',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface TunerEvent {
  version: 1;
  /** Unique per event: subscribers de-duplicate on it (delivery is at least once). */
  eventId: string;
  eventType: EventType;
  studyId: string;
  /** Set for run events. */
  runId?: string;
  number?: number;
  /** ISO-8601 time of the transition. */
  timestamp: string;
  /** Event-specific payload (params, value, step, reason, ...). */
  data: Record<string, unknown>;
}

export function makeEvent(
  eventType: EventType,
  studyId: string,
  fields: { runId?: string; number?: number; data?: Record<string, unknown>; at?: Date } = {},
): TunerEvent {
  const event: TunerEvent = {
    version: 1,
    eventId: uuidv4(),
    eventType,
    studyId,
    timestamp: (fields.at ?? new Date()).toISOString(),
    data: fields.data ?? {},
  };
  if (fields.runId !== undefined) event.runId = fields.runId;
  if (fields.number !== undefined) event.number = fields.number;
  return event;
}
