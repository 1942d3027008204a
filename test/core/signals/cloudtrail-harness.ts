/**
 * What the CloudTrail watch tests share (cloudtrail-*.test.ts, sign-ins-config-and-monitor-severity):
 * normalizing to exactly one signal, the example configuration and its classifier, and a published
 * sample with its detail changed.
 */
import { expect } from 'vitest';
import { createClassifier } from '../../../functions/core/signals/classify.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import type { EventEnvelope } from '../../../functions/core/signals/signal.ts';
import { exampleConfig, fixture } from '../../support.ts';

export const one = (event: unknown) => {
  const { signals } = normalizeEvent(event);
  expect(signals).toHaveLength(1);
  return signals[0]!;
};
export const config = exampleConfig();
export const classify = createClassifier(config);
export const withDetail = (name: string, detail: Record<string, unknown>): EventEnvelope => {
  const event = fixture(name);
  return { ...event, detail: { ...event.detail, ...detail } };
};
