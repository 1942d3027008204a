/** The action ids and values of Firebreak's Slack buttons. Pure. */
import type { MitigationRequest } from '../mitigations/mitigation.ts';

export const ACTION_IDS = {
  incidentAck: 'incident_ack',
  incidentResolve: 'incident_resolve',
  mitigationApprove: 'mitigation_approve',
  mitigationReject: 'mitigation_reject',
} as const;

/** The value of the mitigation buttons: `<incident id>|<request id>|<plan hash, 12 hex>`: a click approves the plan it was shown with. */
export const mitigationButtonValue = (request: Pick<MitigationRequest, 'incidentId' | 'id' | 'planHash'>): string =>
  `${request.incidentId}|${request.id}|${request.planHash.slice(0, 12)}`;

export function parseMitigationButtonValue(
  value: string,
): { incidentId: string; requestId: string; planHash?: string } | undefined {
  const match = /^([^|]{1,200})\|([^|]{1,200})(?:\|([0-9a-f]{12}))?$/.exec(value);
  return match ? { incidentId: match[1]!, requestId: match[2]!, ...(match[3] ? { planHash: match[3] } : {}) } : undefined;
}
