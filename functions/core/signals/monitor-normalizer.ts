/** Custom and third-party monitors: what they send with PutEvents on the firebreak bus. Pure. */
import * as z from 'zod';
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
  title: z.string().trim().min(1).max(MONITOR_LIMITS.title),
  severity: SeverityHintSchema.default('medium'),
  state: SignalStateSchema.default('firing'),
  /** What this is about, for dedup; defaults to the first resource, then the title. */
  subject: z.string().trim().min(1).max(MONITOR_LIMITS.subject).optional(),
  kind: z.string().trim().min(1).max(MONITOR_LIMITS.kind).optional(),
  description: z.string().max(MONITOR_LIMITS.description).optional(),
  resources: z.array(z.string().trim().min(1).max(MONITOR_LIMITS.resourceLength)).max(MONITOR_LIMITS.resources).default([]),
  attributes: z
    .record(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/), z.string().max(MONITOR_LIMITS.attributeValue))
    .default({}),
  url: z.url({ protocol: /^https$/ }).optional(),
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
