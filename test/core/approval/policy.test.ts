import { describe, expect, it } from 'vitest';
import { decideApproval, type PolicyInput } from '../../../functions/core/approval/policy.ts';
import type { RosterMember } from '../../../functions/core/approval/roster.ts';
import { decideReleaseApproval } from '../../../functions/core/deployments/release-approval.ts';
import type { HoldState } from '../../../functions/core/deployments/release-hold.ts';
import { decide, newMitigationRequest, type MitigationRequest } from '../../../functions/core/mitigations/mitigation.ts';
import { exampleConfig } from '../../support.ts';

const TEAM = 'T0FIREBRK01';
const CTO: RosterMember = { slackUserId: 'U0CTO000001', name: 'Dana Okafor', role: 'cto' };
const S1: RosterMember = { slackUserId: 'U0SENIOR001', name: 'Priya Raman', role: 'senior' };
const S2: RosterMember = { slackUserId: 'U0SENIOR002', name: 'Mateo Alvarez', role: 'senior' };
const RESPONDER: RosterMember = { slackUserId: 'U0RESPOND01', name: 'Sam Whitfield', role: 'responder' };
const T0 = '2026-03-01T10:00:00.000Z';
const NOW = '2026-03-01T10:01:00.000Z';
const AWAY_CTO: RosterMember = { ...CTO, awayUntil: '2026-03-01T18:00:00.000Z' };

describe('decideApproval', () => {
  const base: PolicyInput = {
    action: 'approve',
    actor: { userId: S1.slackUserId, teamId: TEAM },
    workspaceTeamId: TEAM,
    member: S1,
    requesters: [],
    ctoAvailable: false,
    seniorApprovals: [],
    seniorQuorum: 2,
  };
  const as = (member: RosterMember | undefined, overrides: Partial<PolicyInput> = {}): PolicyInput => ({
    ...base,
    actor: { userId: member?.slackUserId ?? 'U0STRANGER1', teamId: TEAM },
    member,
    ...overrides,
  });

  it('lets the CTO approve alone, even while available', () => {
    expect(decideApproval(as(CTO, { ctoAvailable: true }))).toEqual({
      allowed: true,
      outcome: 'approved',
      member: CTO,
      by: [CTO.slackUserId],
      approvedBy: 'cto',
    });
  });

  it('refuses senior engineers while the CTO is available', () => {
    expect(decideApproval(as(S1, { ctoAvailable: true }))).toEqual({ allowed: false, refusal: 'cto_available' });
  });

  it('needs a quorum of distinct senior engineers while the CTO is not available', () => {
    expect(decideApproval(as(S1))).toEqual({
      allowed: true,
      outcome: 'approval_recorded',
      member: S1,
      seniors: [S1.slackUserId],
    });
    expect(decideApproval(as(S2, { seniorApprovals: [S1.slackUserId] }))).toEqual({
      allowed: true,
      outcome: 'approved',
      member: S2,
      by: [S1.slackUserId, S2.slackUserId],
      approvedBy: 'seniors',
    });
    expect(decideApproval(as(S2, { seniorApprovals: [S1.slackUserId], seniorQuorum: 3 }))).toMatchObject({
      outcome: 'approval_recorded',
      seniors: [S1.slackUserId, S2.slackUserId],
    });
  });

  it('counts one person once', () => {
    expect(decideApproval(as(S1, { seniorApprovals: [S1.slackUserId] }))).toEqual({
      allowed: false,
      refusal: 'already_approved',
    });
  });

  it('keeps whoever asked for it from approving it, CTO included', () => {
    expect(decideApproval(as(S1, { requesters: [S1.slackUserId] }))).toEqual({ allowed: false, refusal: 'self_approval' });
    expect(decideApproval(as(CTO, { requesters: [S2.slackUserId, CTO.slackUserId] }))).toEqual({
      allowed: false,
      refusal: 'self_approval',
    });
  });

  it('refuses the wrong role, for approvals and rejections alike', () => {
    expect(decideApproval(as(RESPONDER))).toEqual({ allowed: false, refusal: 'wrong_role' });
    expect(decideApproval(as(RESPONDER, { action: 'reject' }))).toEqual({ allowed: false, refusal: 'wrong_role' });
  });

  it('lets the CTO or any senior engineer reject at any time, their own request included', () => {
    expect(decideApproval(as(S1, { action: 'reject', ctoAvailable: true, requesters: [S1.slackUserId] }))).toEqual({
      allowed: true,
      outcome: 'rejected',
      member: S1,
    });
    expect(decideApproval(as(CTO, { action: 'reject' }))).toMatchObject({ allowed: true, outcome: 'rejected' });
  });

  it('checks the workspace, then the roster, then what blocks the request, then the role', () => {
    expect(decideApproval(as(undefined, { actor: { userId: 'U0X', teamId: 'T0OTHER0001' } }))).toEqual({
      allowed: false,
      refusal: 'other_workspace',
    });
    expect(decideApproval(as(undefined, { blocked: 'expired' }))).toEqual({ allowed: false, refusal: 'not_on_roster' });
    expect(decideApproval(as(RESPONDER, { blocked: 'already_decided' }))).toEqual({ allowed: false, refusal: 'already_decided' });
    expect(decideApproval(as(CTO, { blocked: 'expired' }))).toEqual({ allowed: false, refusal: 'expired' });
  });
});

/**
 * Both kinds of request go through the same policy: each scenario runs against a mitigation request
 * (quorum 2, CTO away or not) and a release hold (quorum 2), and must end the same way.
 */
type Attempt = { readonly allowed: boolean; readonly refusal?: string; readonly outcome?: string };
interface RequestKind {
  readonly name: string;
  /** Opens a request (or hold) asked for by `requester`; `approve` applies the attempts in turn. */
  open(requester: RosterMember | undefined): {
    approve(member: RosterMember | undefined, options: { ctoAway: boolean; teamId?: string }): Attempt;
  };
}

const config = exampleConfig();
/** A restart-service request (quorum 2) asked for by `requester`, or by the classification policy. */
const mitigationRequest = (requester: RosterMember | undefined): MitigationRequest => ({
  ...newMitigationRequest({
    id: 'MIT-0A1B2C3D4E',
    entry: config.mitigations.find((m) => m.id === 'restart-service')!,
    incident: { id: 'INC-1A2B3C4D5E', severity: 'SEV2', resources: ['i-0aaaaaaaaaaaaaaa1'] },
    parameters: { serviceName: 'nginx.service' },
    requestedBy: requester ? `slack:${requester.slackUserId}` : 'policy:classification',
    now: T0,
    policy: config.policy,
  }),
  seniorQuorum: 2,
});
const mitigations: RequestKind = {
  name: 'mitigation request',
  open(requester) {
    let request = mitigationRequest(requester);
    return {
      approve(member, { ctoAway, teamId = TEAM }) {
        const decision = decide({
          request,
          action: 'approve',
          actor: { userId: member?.slackUserId ?? 'U0STRANGER1', teamId },
          workspaceTeamId: TEAM,
          member,
          cto: ctoAway ? AWAY_CTO : CTO,
          now: NOW,
        });
        if (decision.allowed) request = decision.request;
        return decision.allowed ? { allowed: true, outcome: decision.outcome } : { allowed: false, refusal: decision.refusal };
      },
    };
  },
};
const releaseHolds: RequestKind = {
  name: 'release hold',
  open(requester) {
    let hold: HoldState = {
      service: 'checkout',
      held: true,
      reason: 'deployment DEP-0123456789AB of v1 to production failed (FAILED)',
      deploymentId: 'DEP-0123456789AB',
      environment: 'production',
      version: 'v1',
      heldAt: T0,
      seniorQuorum: 2,
      approvals: [],
      revision: 1,
    };
    return {
      approve(member, { ctoAway, teamId = TEAM }) {
        const decision = decideReleaseApproval({
          hold,
          actor: { userId: member?.slackUserId ?? 'U0STRANGER1', teamId },
          workspaceTeamId: TEAM,
          member,
          cto: ctoAway ? AWAY_CTO : CTO,
          now: NOW,
          ...(requester ? { requestedBy: requester.slackUserId } : {}),
        });
        if (decision.allowed) hold = decision.hold;
        // A lifted hold is the release's word for an approved request.
        const outcome = decision.allowed ? (decision.outcome === 'lifted' ? 'approved' : decision.outcome) : undefined;
        return decision.allowed ? { allowed: true, outcome } : { allowed: false, refusal: decision.refusal };
      },
    };
  },
};

describe.each([mitigations, releaseHolds])('the same policy for a $name', (kind) => {
  it('lets the CTO approve alone', () => {
    expect(kind.open(undefined).approve(CTO, { ctoAway: false })).toEqual({ allowed: true, outcome: 'approved' });
  });

  it('refuses senior engineers while the CTO is available', () => {
    expect(kind.open(undefined).approve(S1, { ctoAway: false })).toEqual({ allowed: false, refusal: 'cto_available' });
  });

  it('needs two distinct senior engineers while the CTO is away, one person counting once', () => {
    const request = kind.open(undefined);
    expect(request.approve(S1, { ctoAway: true })).toEqual({ allowed: true, outcome: 'approval_recorded' });
    expect(request.approve(S1, { ctoAway: true })).toEqual({ allowed: false, refusal: 'already_approved' });
    expect(request.approve(S2, { ctoAway: true })).toEqual({ allowed: true, outcome: 'approved' });
    expect(request.approve(CTO, { ctoAway: false })).toEqual({ allowed: false, refusal: 'already_decided' });
  });

  it('keeps whoever asked for it from approving it', () => {
    expect(kind.open(S1).approve(S1, { ctoAway: true })).toEqual({ allowed: false, refusal: 'self_approval' });
    expect(kind.open(CTO).approve(CTO, { ctoAway: false })).toEqual({ allowed: false, refusal: 'self_approval' });
  });

  it('refuses the wrong role, strangers and other workspaces', () => {
    expect(kind.open(undefined).approve(RESPONDER, { ctoAway: true })).toEqual({ allowed: false, refusal: 'wrong_role' });
    expect(kind.open(undefined).approve(undefined, { ctoAway: true })).toEqual({ allowed: false, refusal: 'not_on_roster' });
    expect(kind.open(undefined).approve(CTO, { ctoAway: false, teamId: 'T0OTHER0001' })).toEqual({
      allowed: false,
      refusal: 'other_workspace',
    });
  });
});

describe('rejection ends a mitigation request', () => {
  it('a senior engineer rejects while the CTO is available; nothing can approve it afterwards', () => {
    const rejected = decide({
      request: mitigationRequest(S1),
      action: 'reject',
      actor: { userId: S2.slackUserId, teamId: TEAM },
      workspaceTeamId: TEAM,
      member: S2,
      cto: CTO,
      now: NOW,
      reason: 'wrong host',
    });
    expect(rejected).toMatchObject({
      allowed: true,
      outcome: 'rejected',
      request: { state: 'rejected', decidedBy: [S2.slackUserId] },
    });
    if (!rejected.allowed) throw new Error('expected allowed');
    const after = decide({
      request: rejected.request,
      action: 'approve',
      actor: { userId: CTO.slackUserId, teamId: TEAM },
      workspaceTeamId: TEAM,
      member: CTO,
      cto: CTO,
      now: NOW,
    });
    expect(after).toMatchObject({ allowed: false, refusal: 'already_decided' });
  });
});
