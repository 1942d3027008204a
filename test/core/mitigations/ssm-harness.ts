/**
 * What the SSM mitigation tests share (ssm-*.test.ts): a request for a catalog entry on one incident,
 * its approval by the CTO through the real approval policy, a plan edited after the fact, and the log
 * group and automation role the inputs name.
 */
import type { MitigationEntry } from '../../../functions/core/config.ts';
import {
  decide,
  newMitigationRequest,
  type MitigationPlan,
  type MitigationRequest,
} from '../../../functions/core/mitigations/mitigation.ts';
import { at, catalog, config, CTO, INSTANCE_A, INSTANCE_B, T0, TEAM } from './fixtures.ts';

export const INCIDENT = {
  id: 'INC-1A2B3C4D5E',
  severity: 'SEV2' as const,
  resources: [INSTANCE_A, `arn:aws:ec2:us-east-1:123456789012:instance/${INSTANCE_B}`],
};
export const REQUEST_ID = 'MIT-0A1B2C3D4E';
export const LOG_GROUP = '/firebreak/ssm-output';
export const ROLE = 'arn:aws:iam::123456789012:role/firebreak-automation';

export function requestFor(
  source: string | MitigationEntry,
  parameters: Record<string, string> = {},
  id = REQUEST_ID,
): MitigationRequest {
  return newMitigationRequest({
    id,
    entry: typeof source === 'string' ? catalog(source) : source,
    incident: INCIDENT,
    parameters,
    requestedBy: 'policy:classification',
    now: T0,
    policy: config.policy,
  });
}

/** A request approved by the CTO through the real approval policy. */
export function ctoApproved(request: MitigationRequest): MitigationRequest {
  const result = decide({
    request,
    action: 'approve',
    actor: { userId: CTO.slackUserId, teamId: TEAM },
    workspaceTeamId: TEAM,
    member: CTO,
    cto: CTO,
    now: at(1),
  });
  if (!result.allowed) throw new Error(result.refusal);
  return result.request;
}

export const withPlan = (request: MitigationRequest, plan: Partial<MitigationPlan>): MitigationRequest => ({
  ...request,
  plan: { ...request.plan, ...plan },
});
