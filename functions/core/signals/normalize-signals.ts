/**
 * A raw EventBridge delivery validated and turned into signals, by the normalizer of its source.
 * Pure: throws InvalidEventError naming the field, or UnsupportedSourceError.
 */
import { MONITOR_SOURCE_PREFIX } from '../events/bus.ts';
import { AWS_SIGNAL_NORMALIZERS } from './aws-signal-normalizers.ts';
import { cloudTrailNormalizer, CONFIG_NORMALIZERS } from './cloudtrail-normalizers.ts';
import { assertEventSize, parseCompiled } from './normalize.ts';
import { normalizeMonitor } from './monitor-normalizer.ts';
import { EventEnvelopeSchema, InvalidEventError, UnsupportedSourceError, type EventEnvelope, type Signal } from './signal.ts';
import type { SignalNormalizer } from './signal-draft.ts';

export interface NormalizeOptions {
  /** Third-party sources accepted besides the `firebreak.monitor` prefix (config `sources.custom`). */
  readonly customSources?: readonly string[];
}

/**
 * Validates one EventBridge delivery and turns it into signals (Security Hub batches several
 * findings in one event, so there may be more than one). Throws InvalidEventError naming the field.
 */
export function normalizeEvent(raw: unknown, options: NormalizeOptions = {}): { envelope: EventEnvelope; signals: Signal[] } {
  assertEventSize(raw);
  const envelope = parseCompiled(EventEnvelopeSchema, raw, '');
  return { envelope, signals: normalizeEnvelope(envelope, options) };
}

/** Signals from an envelope that has already passed EventEnvelopeSchema (the Lambda parser middleware does that). */
export function normalizeEnvelope(envelope: EventEnvelope, options: NormalizeOptions = {}): Signal[] {
  const observedAt = isoTime(envelope.time, 'time');
  return pickNormalizer(envelope, options)(envelope, observedAt);
}

function pickNormalizer(event: EventEnvelope, options: NormalizeOptions): SignalNormalizer {
  const byType =
    AWS_SIGNAL_NORMALIZERS[`${event.source}|${event['detail-type']}`] ??
    CONFIG_NORMALIZERS[`${event.source}|${event['detail-type']}`];
  if (byType) return byType;
  // CloudTrail delivers under each service's own source; only AWS may publish an `aws.` source.
  const cloudTrail = event.source.startsWith('aws.') ? cloudTrailNormalizer(event['detail-type']) : undefined;
  if (cloudTrail) return cloudTrail;
  if (event.source.startsWith(MONITOR_SOURCE_PREFIX) || options.customSources?.includes(event.source)) return normalizeMonitor;
  throw new UnsupportedSourceError(event.source, event['detail-type']);
}

/**
 * EventBridge's own form, `2026-03-01T10:00:00Z`, with a day and an hour every month has: it is its
 * ISO 8601 form already, less the milliseconds, so it skips the Date round trip (a large share of
 * normalizing an event). Any other form, or a day 29-31 or an hour 24 that Date may roll over, takes it.
 */
const PLAIN_UTC_SECOND = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/;

function isoTime(value: string, field: string): string {
  if (PLAIN_UTC_SECOND.test(value)) return `${value.slice(0, 19)}.000Z`;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new InvalidEventError(field, `"${value.slice(0, 40)}" is not a date`);
  return new Date(parsed).toISOString();
}
