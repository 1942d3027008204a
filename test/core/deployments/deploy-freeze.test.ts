import { describe, expect, it } from 'vitest';
import type { RosterMember } from '../../../functions/core/approval/roster.ts';
import {
  applicableFreezes,
  freezeAfterIncident,
  freezeScopesOf,
  type FreezeState,
} from '../../../functions/core/deployments/deploy-freeze.ts';
import { decideFreezeApproval, freezeCheck } from '../../../functions/core/deployments/freeze-approval.ts';
import { DEFAULT_DEPLOY_FREEZE, DeployFreezeConfigSchema } from '../../../functions/core/deployments/freeze-config.ts';
import type { Incident } from '../../../functions/core/incidents/incident.ts';

const NOW = '2026-11-23T09:00:00.000Z';
const cto: RosterMember = { slackUserId: 'U0CTO000001', name: 'Ada', role: 'cto' };
const seniors: RosterMember[] = [
  { slackUserId: 'U0SENIOR001', name: 'Bo', role: 'senior' },
  { slackUserId: 'U0SENIOR002', name: 'Cy', role: 'senior' },
];
const incident = (id: string, over: Partial<Incident> = {}) =>
  ({
    id,
    status: 'open',
    severity: 'SEV2',
    title: 'db down\n<!channel>',
    account: '111111111111',
    source: 'aws.cloudwatch',
    kind: 'alarm',
    subject: 'db-latency',
    resources: [],
    ...over,
  }) as Incident;
const options = { now: NOW, seniorQuorum: 2, scope: 'global' };

function started(): FreezeState {
  const change = freezeAfterIncident(incident('INC-AAAAAAAAAA'), undefined, DEFAULT_DEPLOY_FREEZE, options);
  if (change.change === 'none') throw new Error('expected a freeze');
  return change.freeze;
}

describe('deploy freeze state', () => {
  it('starts at or above the threshold only, and lifts with the last incident', () => {
    expect(freezeAfterIncident(incident('INC-B', { severity: 'SEV3' }), undefined, DEFAULT_DEPLOY_FREEZE, options).change).toBe(
      'none',
    );
    const on = started();
    expect(on).toMatchObject({ scope: 'global', frozen: true, since: NOW, revision: 1 });
    const joined = freezeAfterIncident(incident('INC-BBBBBBBBBB', { severity: 'SEV1' }), on, DEFAULT_DEPLOY_FREEZE, options);
    expect(joined.change).toBe('joined');
    const frozen = joined.change === 'none' ? on : joined.freeze;
    const left = freezeAfterIncident(incident('INC-AAAAAAAAAA', { status: 'resolved' }), frozen, DEFAULT_DEPLOY_FREEZE, options);
    expect(left.change).toBe('left');
    const last = freezeAfterIncident(
      incident('INC-BBBBBBBBBB', { status: 'resolved' }),
      left.change === 'none' ? frozen : left.freeze,
      DEFAULT_DEPLOY_FREEZE,
      options,
    );
    expect(last).toMatchObject({ change: 'lifted', freeze: { frozen: false, liftedAt: NOW } });
  });

  it('is idempotent: the same incident state twice changes nothing; a resolved stranger changes nothing', () => {
    const on = started();
    expect(freezeAfterIncident(incident('INC-AAAAAAAAAA'), on, DEFAULT_DEPLOY_FREEZE, options).change).toBe('none');
    expect(
      freezeAfterIncident(incident('INC-CCCCCCCCCC', { status: 'resolved' }), on, DEFAULT_DEPLOY_FREEZE, options).change,
    ).toBe('none');
  });

  it('scopes by account when configured, and a release of unknown destination meets every freeze', () => {
    const byAccount = { ...DEFAULT_DEPLOY_FREEZE, scope: 'account' as const };
    expect(freezeScopesOf(incident('INC-AAAAAAAAAA'), byAccount)).toEqual(['111111111111']);
    const change = freezeAfterIncident(incident('INC-AAAAAAAAAA'), undefined, byAccount, { ...options, scope: '111111111111' });
    expect(change.change === 'none' ? undefined : change.freeze.scope).toBe('111111111111');
    const freeze = change.change === 'none' ? started() : change.freeze;
    expect(applicableFreezes([freeze], 'search', '222222222222')).toEqual([]);
    expect(applicableFreezes([freeze], 'search', '111111111111')).toHaveLength(1);
    expect(applicableFreezes([freeze], 'search', undefined)).toHaveLength(1);
    expect(freezeAfterIncident(incident('INC-A'), undefined, { ...DEFAULT_DEPLOY_FREEZE, enabled: false }, options).change).toBe(
      'none',
    );
  });
});

describe('deploy freeze scoped by service', () => {
  const byService = DeployFreezeConfigSchema.parse({
    scope: 'service',
    services: [
      { name: 'payments', resources: ['^arn:aws:rds:.*:db:payments-', '^i-0aaa'] },
      { name: 'search', accounts: ['333333333333'] },
    ],
  });
  const frozen = (scope: string) => {
    const change = freezeAfterIncident(incident('INC-AAAAAAAAAA', { resources: ['i-0aaa1111'] }), undefined, byService, {
      ...options,
      scope,
    });
    if (change.change === 'none') throw new Error('expected a freeze');
    return change.freeze;
  };

  it("freezes the services an incident belongs to: a failed deployment's own, by resource pattern, by account", () => {
    const failed = incident('INC-A', { source: 'firebreak.deploy', kind: 'deployment-failed', subject: 'check-out/production' });
    expect(freezeScopesOf(failed, byService)).toEqual(['service:check-out']);
    expect(freezeScopesOf(incident('INC-A', { resources: ['arn:aws:rds:eu-west-1:1:db:PAYMENTS-main'] }), byService)).toEqual([
      'service:payments',
    ]);
    expect(freezeScopesOf(incident('INC-A', { account: '333333333333', resources: ['i-0aaa1'] }), byService)).toEqual([
      'service:payments',
      'service:search',
    ]);
  });

  it('fails closed: an incident that belongs to no service freezes every service', () => {
    expect(freezeScopesOf(incident('INC-A', { resources: ['i-0bbb'] }), byService)).toEqual(['global']);
  });

  it("gates only that service's releases, and leaves a scope the incident no longer belongs to", () => {
    const payments = frozen('service:payments');
    expect(applicableFreezes([payments], 'payments', undefined)).toHaveLength(1);
    expect(applicableFreezes([payments], 'search', undefined)).toEqual([]);
    expect(applicableFreezes([payments], 'payments-v2', '111111111111')).toEqual([]);
    const moved = freezeAfterIncident(incident('INC-AAAAAAAAAA', { resources: ['i-0bbb'] }), payments, byService, {
      ...options,
      scope: 'service:payments',
    });
    expect(moved).toMatchObject({ change: 'lifted', freeze: { frozen: false } });
  });

  it('refuses services named twice and services no incident could belong to', () => {
    expect(() => DeployFreezeConfigSchema.parse({ scope: 'service', services: [{ name: 'a' }] })).toThrow(/accounts or resource/);
    expect(() =>
      DeployFreezeConfigSchema.parse({
        services: [
          { name: 'a', accounts: ['111111111111'] },
          { name: 'a', resources: ['x'] },
        ],
      }),
    ).toThrow(/named once/);
    expect(() => DeployFreezeConfigSchema.parse({ services: [{ name: 'a', resources: ['('] }] })).toThrow(/regular expression/);
  });
});

describe('releases during a freeze', () => {
  const decide = (
    userId: string,
    freeze: FreezeState | undefined,
    member = [cto, ...seniors].find((m) => m.slackUserId === userId),
    ctoAway = false,
  ) =>
    decideFreezeApproval({
      freeze,
      service: 'payments',
      actor: { userId, teamId: 'T0FIREBREAK' },
      workspaceTeamId: 'T0FIREBREAK',
      member,
      cto: ctoAway ? { ...cto, awayUntil: '2026-11-24T00:00:00.000Z' } : cto,
      now: NOW,
    });

  it('the CTO approves alone; the check then allows that service only', () => {
    const decision = decide(cto.slackUserId, started());
    expect(decision).toMatchObject({ allowed: true, outcome: 'approved' });
    const freeze = decision.allowed ? decision.freeze : started();
    expect(freezeCheck({ service: 'payments', freezes: [freeze], cto, seniors, now: NOW }).allowed).toBe(true);
    const other = freezeCheck({ service: 'search', freezes: [freeze], cto, seniors, now: NOW });
    expect(other.allowed).toBe(false);
    expect(other.reason).toContain('INC-AAAAAAAAAA (SEV2');
    expect(other.reason).toContain('--during-freeze');
  });

  it('refuses seniors while the CTO is available, responders, strangers, other workspaces, and no freeze', () => {
    expect(decide(seniors[0]!.slackUserId, started())).toMatchObject({ allowed: false, refusal: 'cto_available' });
    expect(decide('U0RESPOND01', started(), { slackUserId: 'U0RESPOND01', name: 'R', role: 'responder' })).toMatchObject({
      refusal: 'wrong_role',
    });
    expect(decide('U0STRANGER1', started(), undefined)).toMatchObject({ refusal: 'not_on_roster' });
    expect(decide(cto.slackUserId, undefined)).toMatchObject({ refusal: 'not_held' });
    const other = decideFreezeApproval({
      freeze: started(),
      service: 'payments',
      actor: { userId: cto.slackUserId, teamId: 'T0EVIL' },
      workspaceTeamId: 'T0FIREBREAK',
      member: cto,
      cto,
      now: NOW,
    });
    expect(other).toMatchObject({ refusal: 'other_workspace' });
  });

  it('needs two distinct seniors while the CTO is away', () => {
    const first = decide(seniors[0]!.slackUserId, started(), undefined, true);
    expect(first).toMatchObject({ allowed: true, outcome: 'approval_recorded' });
    const after = first.allowed ? first.freeze : started();
    expect(decide(seniors[0]!.slackUserId, after, undefined, true)).toMatchObject({ refusal: 'already_approved' });
    expect(decide(seniors[1]!.slackUserId, after, undefined, true)).toMatchObject({ allowed: true, outcome: 'approved' });
  });

  it('keeps untrusted incident titles inert in the check', () => {
    const check = freezeCheck({ service: 'x', freezes: [started()], cto, seniors, now: NOW });
    expect(check.reason).not.toContain('\n');
  });
});
