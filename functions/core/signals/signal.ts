import * as z from '../zod.ts';
import type { SeverityHint, SignalState } from '../config.ts';

/** EventBridge rejects events over 256 KB, so anything larger is not a real delivery. */
export const MAX_EVENT_BYTES = 256 * 1024;

/** The EventBridge envelope every delivery carries, whatever its source. */
export const EventEnvelopeSchema = z.object({
  version: z.optional(z.string()),
  id: z.string().check(z.minLength(1), z.maxLength(256)),
  'detail-type': z.string().check(z.minLength(1), z.maxLength(256)),
  source: z.string().check(z.minLength(1), z.maxLength(256)),
  account: z.string().check(z.minLength(1), z.maxLength(64)),
  time: z.string().check(z.minLength(1)),
  region: z.string().check(z.minLength(1), z.maxLength(64)),
  resources: z._default(z.array(z.string()), []),
  detail: z.record(z.string(), z.unknown()),
});
export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;

/** One normalized observation, whatever source it came from. */
export interface Signal {
  /** EventBridge source, e.g. `aws.guardduty`. */
  readonly source: string;
  /** What happened, within the source: `alarm`, a finding type, `instance-state`... */
  readonly kind: string;
  /** The thing this signal is about, used for dedup: an alarm ARN, an instance id, a CVE... */
  readonly subject: string;
  readonly title: string;
  readonly description?: string;
  readonly account: string;
  readonly region: string;
  /** Affected resources: instance ids and ARNs (capped: see `caps.ts`). */
  readonly resources: readonly string[];
  /** How many more resources the source named than `resources` keeps; absent when none were left out. */
  readonly resourcesOmitted?: number;
  readonly severityHint: SeverityHint;
  /** When the source observed it (ISO 8601). */
  readonly observedAt: string;
  /** For stateful sources: firing, or back to normal. Stateless signals are always firing. */
  readonly state: SignalState;
  /** Source-specific facts classification rules can match on (namespace, finding type...). */
  readonly attributes: Readonly<Record<string, string>>;
  /** Link to the source console or runbook, when the source gives one. */
  readonly url?: string;
}

/** Raised for input that cannot become a signal; `field` is the JSON path of the culprit. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`invalid event: ${field}: ${reason}`);
  }
}

export class UnsupportedSourceError extends InvalidEventError {
  constructor(source: string, detailType: string) {
    super('source', `no normalizer for source "${source}" with detail-type "${detailType}"`);
  }
}
