import { describe, expect, it } from 'vitest';
import { decideReleaseApproval, type ReleaseApprovalInput } from '../../../functions/core/deployments/release-approval.ts';
import { holdAfterFailure, type HoldState } from '../../../functions/core/deployments/release-hold.ts';
import { releaseCheck } from '../../../functions/core/deployments/release-check.ts';
import type { RosterMember } from '../../../functions/core/approval/roster.ts';
import { dep, NOW, CTO, SENIOR1, SENIOR2, SENIOR3, RESPONDER, AWAY_CTO } from './fixtures.ts';

describe('release holds', () => {
  const failedRecord = dep({ id: 'DEP-0000000000F1', status: 'failed', sourceStatus: 'FAILURE', version: '1.4.2' });
  const hold = holdAfterFailure(failedRecord, NOW)!;

  describe('holdAfterFailure', () => {
    it('holds the service of a failed deployment', () => {
      expect(hold).toEqual({
        service: 'checkout',
        held: true,
        reason: 'deployment DEP-0000000000F1 of 1.4.2 to production failed (FAILURE)',
        deploymentId: 'DEP-0000000000F1',
        environment: 'production',
        version: '1.4.2',
        heldAt: NOW,
        seniorQuorum: 2,
        approvals: [],
        revision: 1,
      });
      expect(holdAfterFailure(failedRecord, NOW, { seniorQuorum: 3, incidentId: 'INC-0123456789' })).toMatchObject({
        seniorQuorum: 3,
        incidentId: 'INC-0123456789',
      });
    });

    it('does not hold for a success, a stop, or an environment that does not hold', () => {
      expect(holdAfterFailure(dep(), NOW)).toBeUndefined();
      expect(holdAfterFailure(dep({ status: 'stopped' }), NOW)).toBeUndefined();
      expect(
        holdAfterFailure({ ...failedRecord, environment: 'dev' }, NOW, { holdEnvironments: ['production', 'staging'] }),
      ).toBeUndefined();
      expect(
        holdAfterFailure({ ...failedRecord, environment: 'staging' }, NOW, { holdEnvironments: ['production', 'staging'] })?.held,
      ).toBe(true);
      expect(holdAfterFailure({ ...failedRecord, environment: 'dev' }, NOW)?.held).toBe(true);
    });

    it('changes nothing for the failure it already holds for, even after it was lifted', () => {
      expect(holdAfterFailure(failedRecord, '2026-03-01T11:00:00.000Z', { existing: hold })).toBe(hold);
      const lifted: HoldState = { ...hold, held: false, liftedBy: [CTO.slackUserId], liftedAt: NOW, revision: 2 };
      expect(holdAfterFailure(failedRecord, '2026-03-01T11:00:00.000Z', { existing: lifted })).toBe(lifted);
    });

    it('re-arms for a new failure: approvals given for the earlier one no longer count', () => {
      const partly: HoldState = { ...hold, approvals: [{ userId: SENIOR1.slackUserId, role: 'senior', at: NOW }], revision: 2 };
      const again = holdAfterFailure({ ...failedRecord, id: 'DEP-0000000000F2', version: '1.4.3' }, '2026-03-01T11:00:00.000Z', {
        existing: partly,
      })!;
      expect(again).toMatchObject({
        held: true,
        deploymentId: 'DEP-0000000000F2',
        version: '1.4.3',
        approvals: [],
        heldAt: '2026-03-01T11:00:00.000Z',
        revision: 3,
      });
      const lifted: HoldState = { ...hold, held: false, liftedBy: [CTO.slackUserId], liftedAt: NOW, revision: 2 };
      expect(holdAfterFailure({ ...failedRecord, id: 'DEP-0000000000F3' }, NOW, { existing: lifted })).toMatchObject({
        held: true,
        deploymentId: 'DEP-0000000000F3',
        revision: 3,
      });
      expect(again.liftedAt).toBeUndefined();
    });

    it("refuses another service's hold", () => {
      expect(() => holdAfterFailure({ ...failedRecord, service: 'payments' }, NOW, { existing: hold })).toThrow();
    });
  });

  describe('decideReleaseApproval', () => {
    const input = (member: RosterMember | undefined, overrides: Partial<ReleaseApprovalInput> = {}): ReleaseApprovalInput => ({
      hold,
      actor: { userId: member?.slackUserId ?? 'U0STRANGER1', teamId: 'T0FIREBRK01' },
      workspaceTeamId: 'T0FIREBRK01',
      member,
      cto: CTO,
      now: NOW,
      ...overrides,
    });
    const refusal = (decision: ReturnType<typeof decideReleaseApproval>) => (decision.allowed ? undefined : decision.refusal);

    it('lets the CTO lift a hold alone', () => {
      const decision = decideReleaseApproval(input(CTO));
      expect(decision).toMatchObject({ allowed: true, outcome: 'lifted' });
      if (!decision.allowed) throw new Error('expected allowed');
      expect(decision.hold).toMatchObject({
        held: false,
        liftedBy: [CTO.slackUserId],
        liftedAt: NOW,
        revision: 2,
        approvals: [{ userId: CTO.slackUserId, role: 'cto', at: NOW }],
      });
      expect(decision.message).toContain('<@U0CTO000001>');
      // Away or not, the CTO decides.
      expect(decideReleaseApproval(input(AWAY_CTO, { cto: AWAY_CTO }))).toMatchObject({ allowed: true, outcome: 'lifted' });
    });

    it('refuses strangers, other workspaces, responders and senior engineers while the CTO is available', () => {
      expect(refusal(decideReleaseApproval(input(undefined)))).toBe('not_on_roster');
      expect(refusal(decideReleaseApproval(input(SENIOR1, { actor: { userId: 'U0OTHER0001', teamId: 'T0FIREBRK01' } })))).toBe(
        'not_on_roster',
      );
      expect(refusal(decideReleaseApproval(input(CTO, { actor: { userId: CTO.slackUserId, teamId: 'T0ELSEWHERE' } })))).toBe(
        'other_workspace',
      );
      expect(refusal(decideReleaseApproval(input(RESPONDER)))).toBe('wrong_role');
      const senior = decideReleaseApproval(input(SENIOR1));
      expect(refusal(senior)).toBe('cto_available');
      expect(senior.message).toContain('<@U0CTO000001>');
      // Away has ended.
      expect(refusal(decideReleaseApproval(input(SENIOR1, { cto: { ...CTO, awayUntil: '2026-03-01T09:00:00.000Z' } })))).toBe(
        'cto_available',
      );
    });

    it('needs the quorum of distinct senior engineers while the CTO is away', () => {
      const first = decideReleaseApproval(input(SENIOR1, { cto: AWAY_CTO }));
      expect(first).toMatchObject({ allowed: true, outcome: 'approval_recorded' });
      if (!first.allowed) throw new Error('expected allowed');
      expect(first.hold).toMatchObject({
        held: true,
        revision: 2,
        approvals: [{ userId: SENIOR1.slackUserId, role: 'senior', at: NOW }],
      });
      expect(first.message).toContain('1 of 2');
      expect(refusal(decideReleaseApproval(input(SENIOR1, { cto: AWAY_CTO, hold: first.hold })))).toBe('already_approved');
      const second = decideReleaseApproval(input(SENIOR2, { cto: AWAY_CTO, hold: first.hold, now: '2026-03-01T10:05:00.000Z' }));
      expect(second).toMatchObject({ allowed: true, outcome: 'lifted' });
      if (!second.allowed) throw new Error('expected allowed');
      expect(second.hold).toMatchObject({
        held: false,
        liftedBy: [SENIOR1.slackUserId, SENIOR2.slackUserId],
        liftedAt: '2026-03-01T10:05:00.000Z',
        revision: 3,
      });
      expect(refusal(decideReleaseApproval(input(SENIOR3, { cto: AWAY_CTO, hold: second.hold })))).toBe('already_decided');
    });

    it('takes the quorum from the hold', () => {
      const one = holdAfterFailure(failedRecord, NOW, { seniorQuorum: 1 })!;
      expect(decideReleaseApproval(input(SENIOR1, { cto: AWAY_CTO, hold: one }))).toMatchObject({
        allowed: true,
        outcome: 'lifted',
      });
    });

    it('says when there is nothing to approve', () => {
      const none = decideReleaseApproval(input(CTO, { hold: undefined }));
      expect(refusal(none)).toBe('not_held');
      const lifted = decideReleaseApproval(
        input(CTO, { hold: { ...hold, held: false, liftedBy: [SENIOR1.slackUserId], liftedAt: NOW } }),
      );
      expect(refusal(lifted)).toBe('already_decided');
      expect(lifted.message).toContain('<@U0SENIOR001>');
    });

    it('keeps whoever asked for the release from approving it', () => {
      expect(refusal(decideReleaseApproval(input(SENIOR1, { cto: AWAY_CTO, requestedBy: SENIOR1.slackUserId })))).toBe(
        'self_approval',
      );
      expect(refusal(decideReleaseApproval(input(CTO, { requestedBy: CTO.slackUserId })))).toBe('self_approval');
      // The CTO asked: separation of duties takes the CTO out, so senior engineers may approve.
      expect(decideReleaseApproval(input(SENIOR1, { requestedBy: CTO.slackUserId }))).toMatchObject({
        allowed: true,
        outcome: 'approval_recorded',
      });
    });

    it('escapes nothing it should not: messages carry only mentions of roster ids', () => {
      const message = decideReleaseApproval(input(SENIOR1)).message;
      expect(message.match(/<[^>]*>/g)).toEqual(['<@U0CTO000001>']);
    });
  });

  describe('releaseCheck', () => {
    const roster = { cto: CTO, seniors: [SENIOR1, SENIOR2, { ...SENIOR3, awayUntil: '2026-03-02T00:00:00.000Z' }] };

    it('allows a service with no hold', () => {
      expect(releaseCheck({ service: 'checkout', hold: undefined, ...roster, now: NOW })).toEqual({
        allowed: true,
        reason: 'checkout is not on a release hold.',
        whoCanLift: [],
      });
    });

    it('refuses a held service, saying why and who can lift it', () => {
      const check = releaseCheck({ service: 'checkout', hold, ...roster, now: NOW });
      expect(check.allowed).toBe(false);
      expect(check.reason).toBe(
        'checkout is on a release hold since 2026-03-01 10:00:00 UTC: deployment DEP-0000000000F1 of 1.4.2 to production failed (FAILURE). Lift it with /firebreak release approve checkout: the CTO alone (senior engineers only while the CTO is away).',
      );
      expect(check.whoCanLift).toEqual(['Dana Okafor (CTO)']);
    });

    it('lists the senior engineers who are not away while the CTO is', () => {
      const partly: HoldState = { ...hold, approvals: [{ userId: SENIOR1.slackUserId, role: 'senior', at: NOW }] };
      const check = releaseCheck({ service: 'checkout', hold: partly, ...roster, cto: AWAY_CTO, now: NOW });
      expect(check.allowed).toBe(false);
      expect(check.whoCanLift).toEqual([
        'Dana Okafor (CTO, away until 2026-03-01 18:00:00 UTC)',
        'Priya Raman (senior engineer)',
        'Mateo Alvarez (senior engineer)',
      ]);
      expect(check.reason).toContain('2 senior engineers while the CTO is away (1 of 2 so far)');
    });

    it('allows a service whose hold was lifted, saying by whom', () => {
      const lifted: HoldState = {
        ...hold,
        held: false,
        liftedBy: [SENIOR1.slackUserId, SENIOR2.slackUserId],
        liftedAt: '2026-03-01T10:30:00.000Z',
      };
      expect(releaseCheck({ service: 'checkout', hold: lifted, ...roster, now: NOW })).toEqual({
        allowed: true,
        reason: 'The release hold on checkout was lifted by Priya Raman and Mateo Alvarez at 2026-03-01 10:30:00 UTC.',
        whoCanLift: [],
      });
    });

    it('keeps terminal control characters out of the reason', () => {
      const check = releaseCheck({
        service: 'checkout',
        hold: { ...hold, reason: 'failed\u001b[2J\u009b31m\nnow' },
        ...roster,
        now: NOW,
      });
      // eslint-disable-next-line no-control-regex -- matching control characters is the point
      expect(check.reason).not.toMatch(/[\u0000-\u001f\u0080-\u009f]/);
    });
  });
});
