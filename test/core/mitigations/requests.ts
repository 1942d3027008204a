/** Requests and decisions the mitigation tests build (mitigation-*.test.ts), over the shared fixtures. */
import {
  decide,
  newMitigationRequest,
  type DecisionInput,
  type MitigationRequest,
} from '../../../functions/core/mitigations/mitigation.ts';
import { type RosterMember } from '../../../functions/core/approval/roster.ts';
import { at, catalog, config, CTO, INSTANCE_A, INSTANCE_B, T0, TEAM } from './fixtures.ts';

export const S3: RosterMember = { slackUserId: 'U0SENIOR003', name: 'Grace Lindqvist', role: 'senior' };
export const RESPONDER: RosterMember = { slackUserId: 'U0RESPOND01', name: 'Sam Whitfield', role: 'responder' };
export const INCIDENT = {
  id: 'INC-1A2B3C4D5E',
  severity: 'SEV2' as const,
  resources: [
    INSTANCE_A,
    `arn:aws:ec2:us-east-1:123456789012:instance/${INSTANCE_B}`,
    'arn:aws:guardduty:us-east-1:123456789012:detector/x/finding/y',
  ],
};

export function requestFor(
  catalogId: string,
  overrides: { requestedBy?: string; parameters?: Record<string, string>; severity?: 'SEV1' | 'SEV2' | 'SEV3' | 'SEV4' } = {},
): MitigationRequest {
  return newMitigationRequest({
    id: 'MIT-0A1B2C3D4E',
    entry: catalog(catalogId),
    incident: { ...INCIDENT, severity: overrides.severity ?? INCIDENT.severity },
    parameters: overrides.parameters ?? (catalogId === 'restart-service' ? { serviceName: 'nginx.service' } : {}),
    requestedBy: overrides.requestedBy ?? 'policy:classification',
    now: T0,
    policy: config.policy,
  });
}

/** A low-risk entry that is not pre-approved: one senior approval is enough. */
export function lowRiskRequest(): MitigationRequest {
  return newMitigationRequest({
    id: 'MIT-0A1B2C3D4E',
    entry: { ...catalog('collect-diagnostics'), preApproved: false },
    incident: INCIDENT,
    requestedBy: 'policy:classification',
    now: T0,
    policy: config.policy,
  });
}

export function decision(input: Partial<DecisionInput> & { request: MitigationRequest; member: RosterMember | undefined }) {
  return decide({
    action: 'approve',
    actor: { userId: input.member?.slackUserId ?? 'U0STRANGER1', teamId: TEAM },
    workspaceTeamId: TEAM,
    cto: CTO,
    now: at(1),
    ...input,
  });
}

/** Applies an allowed decision (as the workflow stores it). */
export function apply(
  request: MitigationRequest,
  member: RosterMember,
  now: string,
  extra: Partial<DecisionInput> = {},
): MitigationRequest {
  const result = decision({ request, member, now, ...extra });
  if (!result.allowed) throw new Error(`expected ${member.slackUserId} to be allowed, got ${result.refusal}`);
  return result.request;
}

export const refusalOf = (result: ReturnType<typeof decide>) => (result.allowed ? `allowed:${result.outcome}` : result.refusal);

// --- resolvePlan ----------------------------------------------------------------------------------
