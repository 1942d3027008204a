/** Custom and third-party monitors: what they send with PutEvents on the firebreak bus. Pure. */
import * as z from 'zod';
import { SeverityHintSchema, SignalStateSchema } from '../config.ts';
import { parseWith } from './normalize.ts';
import type { EventEnvelope, Signal } from './signal.ts';
import { MAX_DESCRIPTION, MAX_RESOURCES, MAX_TITLE, signal } from './signal-draft.ts';

/** The detail a custom or third-party monitor sends; documented in the README. */
export const MonitorDetailSchema = z.object({
  title: z.string().trim().min(1).max(MAX_TITLE),
  severity: SeverityHintSchema.default('medium'),
  state: SignalStateSchema.default('firing'),
  /** What this is about, for dedup; defaults to the first resource, then the title. */
  subject: z.string().trim().min(1).max(512).optional(),
  kind: z.string().trim().min(1).max(128).optional(),
  description: z.string().max(MAX_DESCRIPTION).optional(),
  resources: z.array(z.string().trim().min(1).max(2048)).max(MAX_RESOURCES).default([]),
  attributes: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/), z.string().max(512)).default({}),
  url: z.url({ protocol: /^https$/ }).optional(),
});

export function normalizeMonitor(event: EventEnvelope, observedAt: string): Signal[] {
  const detail = parseWith(MonitorDetailSchema, event.detail, 'detail');
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
