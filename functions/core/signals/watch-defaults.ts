/**
 * The change watch's and the custom monitors' defaults, apart from their schemas (watch-config.ts):
 * classify falls back on them at run time, and a deployed function must not bundle the
 * configuration's schemas to get them. Pure.
 */
import type { Severity, SeverityHint } from '../vocabulary.ts';
import { SIGNIN_BURST_DEFAULTS } from './signin-bursts.ts';
import type { MonitorsConfig, WatchAllow, WatchConfig } from './watch-config.ts';

/** The defaults: CloudFormation acting on a caller's behalf deploys what was reviewed in a template. */
export const DEFAULT_WATCH_ALLOW: WatchAllow[] = [
  { name: 'CloudFormation applying a reviewed template', invokedBy: '^cloudformation\\.amazonaws\\.com$' },
];

export const WATCH_DEFAULTS: WatchConfig = {
  enabled: true,
  allow: DEFAULT_WATCH_ALLOW,
  severity: {},
  respond: {},
  pipelines: [],
  signinFailures: SIGNIN_BURST_DEFAULTS,
};

export const DEFAULT_MONITOR_SEVERITY: Record<SeverityHint, Severity> = {
  critical: 'SEV1',
  high: 'SEV2',
  medium: 'SEV3',
  low: 'SEV4',
  informational: 'SEV4',
};

export const MONITORS_DEFAULTS: MonitorsConfig = { severity: DEFAULT_MONITOR_SEVERITY, category: 'availability' };
