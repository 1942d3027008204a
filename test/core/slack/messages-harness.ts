/**
 * What the Slack message tests share (incident-messages, mitigation-messages): untrusted text to
 * render inert, a roster, an incident event's detail and a mitigation request to override, and
 * readers for every string, every markup sequence and the buttons of a message.
 */
import type { IncidentEventDetail } from '../../../functions/core/events/incident-events.ts';
import type { SlackMessage } from '../../../functions/core/slack/block-kit.ts';
import { planHash, type MitigationPlan, type MitigationRequest } from '../../../functions/core/mitigations/mitigation.ts';
import { type RosterMember } from '../../../functions/core/approval/roster.ts';

export const ABUSE = 'Alarm <!channel> <@U123> <https://evil.example|Runbook> &lt; done';
export const CTO: RosterMember = { slackUserId: 'U0CTO000001', name: 'Dana Okafor', role: 'cto' };
export const SENIORS: RosterMember[] = [
  { slackUserId: 'U0SENIOR001', name: 'Priya Raman', role: 'senior' },
  { slackUserId: 'U0SENIOR002', name: 'Mateo <!here> Alvarez', role: 'senior' },
];
export const NOW = '2026-03-01T10:06:00.000Z';

export function detail(overrides: Partial<IncidentEventDetail> = {}): IncidentEventDetail {
  return {
    incidentId: 'INC-B2D7BC30C6',
    version: 2,
    changes: ['opened'],
    status: 'open',
    severity: 'SEV2',
    category: 'security',
    title: 'GuardDuty: UnauthorizedAccess:EC2/SSHBruteForce',
    channel: 'C0INCIDENTS',
    fingerprint: 'f'.repeat(64),
    source: 'aws.guardduty',
    account: '123456789012',
    region: 'us-east-1',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-0aaaaaaaaaaaaaaa1'],
    signalCount: 3,
    firstSeen: '2026-03-01T10:00:00.000Z',
    lastSeen: '2026-03-01T10:02:00.000Z',
    mitigations: ['isolate-instance'],
    ...overrides,
  };
}

export const PLAN: MitigationPlan = {
  catalogId: 'isolate-instance',
  kind: 'command',
  document: 'Firebreak-IsolateInstance',
  documentVersion: '$DEFAULT',
  parameters: { Reason: 'brute force', Mode: 'quarantine' },
  targets: { type: 'instances', instanceIds: ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2'] },
  rateControl: { maxConcurrency: '10%', maxErrors: '1' },
  timeoutSeconds: 1800,
};

export function request(overrides: Partial<MitigationRequest> = {}): MitigationRequest {
  const plan = overrides.plan ?? PLAN;
  return {
    id: 'MIT-0A1B2C3D4E',
    incidentId: 'INC-B2D7BC30C6',
    catalogId: plan.catalogId,
    title: 'Isolate the instance',
    risk: 'high',
    severity: 'SEV2',
    plan,
    planHash: planHash(plan),
    state: 'awaiting_approval',
    requestedBy: 'slack:U0RESPOND01',
    requestedAt: '2026-03-01T10:05:00.000Z',
    expiresAt: '2026-03-01T11:05:00.000Z',
    escalateAt: '2026-03-01T10:20:00.000Z',
    seniorQuorum: 2,
    approvals: [],
    version: 1,
    ...overrides,
  };
}

/** Every string anywhere in a message. */
export function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** Every `<…>` sequence Slack would read as markup. */
export const markup = (message: SlackMessage): string[] => strings(message).flatMap((s) => s.match(/<[^>]*>/g) ?? []);

export function actions(message: SlackMessage): Array<Record<string, unknown>> {
  const block = (message.blocks as Array<Record<string, unknown>>).find((b) => b.type === 'actions');
  return (block?.elements as Array<Record<string, unknown>> | undefined) ?? [];
}
