/** Custom and third-party monitors: what they send with PutEvents on the firebreak bus. Pure. */
import * as z from '../zod.ts';
import { SeverityHintSchema, SignalStateSchema } from '../vocabulary.ts';
import { parseCompiled } from './normalize.ts';
import type { EventEnvelope, Signal } from './signal.ts';
import { signal } from './signal-draft.ts';

/**
 * What the monitor schema accepts, in characters (documented in the README). What is stored is
 * capped further, in bytes, by `signal` (see `caps.ts`): a valid event is never refused for its size.
 */
export const MONITOR_LIMITS = {
  title: 300,
  subject: 512,
  kind: 128,
  description: 2000,
  resources: 100,
  resourceLength: 2048,
  attributeValue: 512,
} as const;

/** The detail a custom or third-party monitor sends; documented in the README. */
export const MonitorDetailSchema = z.object({
  title: z.string().check(z.trim(), z.minLength(1), z.maxLength(MONITOR_LIMITS.title)),
  severity: z._default(SeverityHintSchema, 'medium'),
  state: z._default(SignalStateSchema, 'firing'),
  /** What this is about, for dedup; defaults to the first resource, then the title. */
  subject: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(MONITOR_LIMITS.subject))),
  kind: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(MONITOR_LIMITS.kind))),
  description: z.optional(z.string().check(z.maxLength(MONITOR_LIMITS.description))),
  resources: z._default(
    z
      .array(z.string().check(z.trim(), z.minLength(1), z.maxLength(MONITOR_LIMITS.resourceLength)))
      .check(z.maxLength(MONITOR_LIMITS.resources)),
    [],
  ),
  attributes: z._default(
    z.record(
      z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/)),
      z.string().check(z.maxLength(MONITOR_LIMITS.attributeValue)),
    ),
    {},
  ),
  url: z.optional(z.url({ protocol: /^https$/ })),
});

export function normalizeMonitor(event: EventEnvelope, observedAt: string): Signal[] {
  const detail = parseCompiled(MonitorDetailSchema, event.detail, 'detail');
  const resources = [...detail.resources, ...event.resources];
  return [
    signal({
      source: event.source,
      kind: detail.kind ?? event['detail-type'],
      subject: detail.subject ?? resources[0] ?? detail.title,
      title: detail.title,
      description: detail.description,
      account: event.account,
      region: event.region,
      resources,
      severityHint: detail.severity,
      observedAt,
      state: detail.state,
      attributes: detail.attributes,
      url: detail.url,
    }),
  ];
}
