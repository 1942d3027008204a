import type { Classification } from '../../functions/core/signals/classify.ts';
import { parseConfig, type FirebreakConfig } from '../../functions/core/config.ts';
import type { Signal } from '../../functions/core/signals/signal.ts';

/** A minimal valid configuration input; tests override the parts they care about. */
export function configInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    slack: {
      teamId: 'T0FIREBRK01',
      channels: { default: 'C0INCIDENTS', deployments: 'C0DEPLOYS01' },
    },
    roster: [
      { slackUserId: 'U0CTO000001', name: 'Dana Okafor', role: 'cto' },
      { slackUserId: 'U0SENIOR001', name: 'Priya Raman', role: 'senior' },
      { slackUserId: 'U0SENIOR002', name: 'Mateo Alvarez', role: 'senior' },
    ],
    classification: { rules: [] },
    ...overrides,
  };
}

/** A parsed configuration with the given rules (and optionally channels/dedup). */
export function buildConfig(
  rules: unknown[],
  extra: { channels?: Record<string, string>; dedup?: Record<string, unknown>; mitigations?: unknown[] } = {},
): FirebreakConfig {
  return parseConfig(
    configInput({
      slack: { teamId: 'T0FIREBRK01', channels: { default: 'C0INCIDENTS', deployments: 'C0DEPLOYS01', ...extra.channels } },
      classification: { rules },
      ...(extra.dedup ? { dedup: extra.dedup } : {}),
      ...(extra.mitigations ? { mitigations: extra.mitigations } : {}),
    }),
    'test config',
  );
}

/** A plain firing signal from a custom monitor; override what a test needs. */
export function makeSignal(overrides: Partial<Signal> = {}): Signal {
  return {
    source: 'firebreak.monitor.test',
    kind: 'check',
    subject: 'checkout-api',
    title: 'Checkout API error rate above 5%',
    account: '123456789012',
    region: 'us-east-1',
    resources: ['i-0aaaaaaaaaaaaaaa1'],
    severityHint: 'high',
    observedAt: '2026-03-01T10:00:00.000Z',
    state: 'firing',
    attributes: {},
    ...overrides,
  };
}

export function makeClassification(overrides: Partial<Classification> = {}): Classification {
  return {
    rule: 'test rule',
    suppressed: false,
    severity: 'SEV3',
    category: 'availability',
    channel: 'C0INCIDENTS',
    mitigations: [],
    fingerprint: '0123456789abcdef0123456789abcdef',
    ...overrides,
  };
}

/** Free-form JSON, for tests that edit published sample events in place. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** A shallow copy of an object without the given keys. */
export function without<T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...value };
  for (const key of keys) delete copy[key];
  return copy;
}

/** A custom synthetic monitor's event (PutEvents on the firebreak bus) with this detail. */
export function monitorEvent(detail: unknown, overrides: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: '5f3c1e0a-0000-4000-8000-000000000001',
    'detail-type': 'Synthetic Check Failed',
    source: 'firebreak.monitor.synthetics',
    account: '123456789012',
    time: '2026-03-01T10:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail,
    ...overrides,
  };
}
