import { describe, expect, it } from 'vitest';
import {
  decide,
  escalate,
  expire,
  instanceIdOf,
  MAX_INSTANCE_TARGETS,
  MAX_PARAMETER_LENGTH,
  newMitigationRequest,
  PlanError,
  planHash,
  replan,
  resolvePlan,
  type DecisionInput,
  type MitigationPlan,
  type MitigationRequest,
} from '../../../functions/core/mitigations/mitigation.ts';
import { isAway, type RosterMember } from '../../../functions/core/approval/roster.ts';
import { at, catalog, config, CTO, entry, INSTANCE_A, INSTANCE_B, S1, S2, T0, TEAM } from './fixtures.ts';

const S3: RosterMember = { slackUserId: 'U0SENIOR003', name: 'Grace Lindqvist', role: 'senior' };
const RESPONDER: RosterMember = { slackUserId: 'U0RESPOND01', name: 'Sam Whitfield', role: 'responder' };
const INCIDENT = {
  id: 'INC-1A2B3C4D5E',
  severity: 'SEV2' as const,
  resources: [
    INSTANCE_A,
    `arn:aws:ec2:us-east-1:123456789012:instance/${INSTANCE_B}`,
    'arn:aws:guardduty:us-east-1:123456789012:detector/x/finding/y',
  ],
};

function requestFor(
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
function lowRiskRequest(): MitigationRequest {
  return newMitigationRequest({
    id: 'MIT-0A1B2C3D4E',
    entry: { ...catalog('collect-diagnostics'), preApproved: false },
    incident: INCIDENT,
    requestedBy: 'policy:classification',
    now: T0,
    policy: config.policy,
  });
}

function decision(input: Partial<DecisionInput> & { request: MitigationRequest; member: RosterMember | undefined }) {
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
function apply(
  request: MitigationRequest,
  member: RosterMember,
  now: string,
  extra: Partial<DecisionInput> = {},
): MitigationRequest {
  const result = decision({ request, member, now, ...extra });
  if (!result.allowed) throw new Error(`expected ${member.slackUserId} to be allowed, got ${result.refusal}`);
  return result.request;
}

const refusalOf = (result: ReturnType<typeof decide>) => (result.allowed ? `allowed:${result.outcome}` : result.refusal);

// --- resolvePlan ----------------------------------------------------------------------------------

describe('resolvePlan', () => {
  it('resolves a catalog entry into exactly what will run', () => {
    expect(resolvePlan(catalog('restart-service'), INCIDENT, { serviceName: 'nginx.service' })).toEqual({
      catalogId: 'restart-service',
      kind: 'command',
      document: 'Firebreak-RestartService',
      documentVersion: '$DEFAULT',
      parameters: { serviceName: 'nginx.service' },
      targets: { type: 'instances', instanceIds: [INSTANCE_A, INSTANCE_B] },
      rateControl: { maxConcurrency: '25%', maxErrors: '1' },
      timeoutSeconds: 600,
    });
  });

  it('fills defaults, and a given value replaces the default', () => {
    expect(resolvePlan(catalog('patch-critical'), INCIDENT).parameters).toEqual({
      Operation: 'Install',
      RebootOption: 'RebootIfNeeded',
    });
    expect(resolvePlan(catalog('patch-critical'), INCIDENT, { RebootOption: 'NoReboot' }).parameters).toEqual({
      Operation: 'Install',
      RebootOption: 'NoReboot',
    });
    expect(() => resolvePlan(catalog('patch-critical'), INCIDENT, { RebootOption: 'Always' })).toThrow(
      /RebootOption="Always" does not match \^\(RebootIfNeeded\|NoReboot\)\$/,
    );
  });

  it('needs every parameter without a default', () => {
    expect(() => resolvePlan(catalog('restart-service'), INCIDENT)).toThrow(
      new PlanError('restart-service needs serviceName=… (systemd unit, e.g. nginx.service)'),
    );
    expect(() => resolvePlan(catalog('block-ip'), INCIDENT, {})).toThrow(/block-ip needs ipAddress=/);
  });

  it('refuses unknown parameters, naming the ones it takes', () => {
    expect(() => resolvePlan(catalog('restart-service'), INCIDENT, { serviceName: 'nginx', unit: 'x' })).toThrow(
      new PlanError('restart-service has no parameter unit (it takes serviceName)'),
    );
    expect(() => resolvePlan(catalog('isolate-instance'), INCIDENT, { force: 'true' })).toThrow(
      new PlanError('isolate-instance has no parameter force (it takes none)'),
    );
    // Names are case-sensitive.
    expect(() => resolvePlan(catalog('restart-service'), INCIDENT, { servicename: 'nginx' })).toThrow(PlanError);
  });

  it('refuses unknown parameters named like Object.prototype members (constructor, toString, hasOwnProperty, __proto__)', () => {
    // `name in entry.parameters` also finds inherited members: the check must look at own keys.
    const accepted = ['constructor', 'toString', 'hasOwnProperty', '__proto__'].filter((name) => {
      const given = JSON.parse(`{"serviceName":"nginx.service",${JSON.stringify(name)}:"x"}`) as Record<string, string>;
      try {
        resolvePlan(catalog('restart-service'), INCIDENT, given);
        return true;
      } catch (error) {
        return !(error instanceof PlanError);
      }
    });
    expect(accepted).toEqual([]);
  });

  describe('parameter values', () => {
    const anything = entry({ parameters: { value: { allowedPattern: '^.*$' } } });
    const path = entry({ parameters: { path: { allowedPattern: '^/var/log/[a-z0-9_-]+(/[a-z0-9_.-]+)*$' } } });

    it.each([
      ['; rm -rf /', 'a semicolon'],
      ['nginx; rm -rf /', 'a command after a semicolon'],
      ['$(curl x)', 'command substitution'],
      ['${IFS}', 'a variable'],
      ['`id`', 'backticks'],
      ['a | sh', 'a pipe'],
      ['a && b', 'an and-list'],
      ['a > /etc/passwd', 'a redirection'],
      ['a < b', 'an input redirection'],
      ['a\\nb', 'a backslash'],
      ['line one\nline two', 'a newline'],
      ['a\rb', 'a carriage return'],
      ['tab\tinside', 'a tab'],
      ['nul\u0000byte', 'a NUL byte'],
      ['del\u007f', 'DEL'],
    ])('refuses %j (%s) even where the pattern allows anything', (value) => {
      expect(() => resolvePlan(anything, INCIDENT, { value })).toThrow(
        new PlanError('value contains a character that is never allowed in a parameter'),
      );
    });

    it('accepts ordinary text where the pattern allows it', () => {
      expect(resolvePlan(anything, INCIDENT, { value: 'nginx.service --now (x) "quoted" 50% ok' }).parameters).toEqual({
        value: 'nginx.service --now (x) "quoted" 50% ok',
      });
      expect(resolvePlan(anything, INCIDENT, { value: '' }).parameters).toEqual({ value: '' });
    });

    it('refuses ../ whatever the pattern says', () => {
      expect(resolvePlan(path, INCIDENT, { path: '/var/log/nginx/access.log' }).parameters).toEqual({
        path: '/var/log/nginx/access.log',
      });
      expect(() => resolvePlan(path, INCIDENT, { path: '/var/log/../../etc/shadow' })).toThrow(
        /path contains "\.\." \(path traversal/,
      );
      expect(() => resolvePlan(catalog('restart-service'), INCIDENT, { serviceName: '../../etc/passwd' })).toThrow(
        /serviceName contains "\.\."/,
      );
    });

    it('checks the whole value against the anchored pattern', () => {
      const restart = catalog('restart-service');
      expect(resolvePlan(restart, INCIDENT, { serviceName: 'getty@tty1.service' }).parameters.serviceName).toBe(
        'getty@tty1.service',
      );
      for (const serviceName of ['', 'nginx service', 'nginx/x', 'a'.repeat(65), 'nginx*', "nginx'"]) {
        expect(() => resolvePlan(restart, INCIDENT, { serviceName })).toThrow(PlanError);
      }
      expect(resolvePlan(restart, INCIDENT, { serviceName: 'a'.repeat(64) }).parameters.serviceName).toHaveLength(64);
      const ip = catalog('block-ip');
      expect(resolvePlan(ip, INCIDENT, { ipAddress: '203.0.113.7' }).parameters).toEqual({ ipAddress: '203.0.113.7' });
      for (const ipAddress of ['256.1.1.1', '1.2.3', '1.2.3.4/0', '1.2.3.4 ', ' 1.2.3.4', '0x7f.0.0.1'])
        expect(() => resolvePlan(ip, INCIDENT, { ipAddress })).toThrow(PlanError);
    });

    it(`refuses values longer than ${MAX_PARAMETER_LENGTH} characters whatever the pattern says, and shows at most 60 characters of a refused value`, () => {
      expect(resolvePlan(anything, INCIDENT, { value: 'x'.repeat(MAX_PARAMETER_LENGTH) }).parameters.value).toHaveLength(
        MAX_PARAMETER_LENGTH,
      );
      expect(() => resolvePlan(anything, INCIDENT, { value: 'x'.repeat(MAX_PARAMETER_LENGTH + 1) })).toThrow(
        new PlanError(`value is longer than ${MAX_PARAMETER_LENGTH} characters`),
      );
      const error = (() => {
        try {
          resolvePlan(catalog('restart-service'), INCIDENT, { serviceName: 'y'.repeat(500) });
        } catch (e) {
          return e as Error;
        }
        return undefined;
      })();
      expect(error?.message).toBe(`serviceName="${'y'.repeat(60)}" does not match ^[A-Za-z0-9@._-]{1,64}$`);
    });
  });

  describe('targets', () => {
    it("targets the incident's EC2 instances, from ids and ARNs, de-duplicated and sorted", () => {
      const incident = {
        resources: [
          INSTANCE_B,
          `arn:aws:ec2:us-east-1:123456789012:instance/${INSTANCE_A}`,
          INSTANCE_A,
          ` ${INSTANCE_B} `,
          'arn:aws:s3:::bucket',
          'checkout-api',
        ],
      };
      expect(resolvePlan(catalog('isolate-instance'), incident).targets).toEqual({
        type: 'instances',
        instanceIds: [INSTANCE_A, INSTANCE_B],
      });
    });

    it('refuses when the incident names no instance', () => {
      expect(() =>
        resolvePlan(catalog('isolate-instance'), {
          resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:x', 'vol-0123456789abcdef0'],
        }),
      ).toThrow(new PlanError('the incident names no EC2 instance to target'));
    });

    it(`accepts ${MAX_INSTANCE_TARGETS} instances and refuses more (they must be targeted by tag)`, () => {
      const ids = (n: number) => Array.from({ length: n }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
      expect(resolvePlan(catalog('isolate-instance'), { resources: ids(MAX_INSTANCE_TARGETS) }).targets).toMatchObject({
        instanceIds: expect.arrayContaining(ids(MAX_INSTANCE_TARGETS)),
      });
      expect(() => resolvePlan(catalog('isolate-instance'), { resources: ids(MAX_INSTANCE_TARGETS + 1) })).toThrow(
        new PlanError(`the incident names 51 instances; more than ${MAX_INSTANCE_TARGETS} must be targeted by tag`),
      );
      // 60 resources that are the same 50 instances (ids and ARNs) are 50 targets.
      const same = [...ids(50), ...ids(10).map((id) => `arn:aws:ec2:us-east-1:123456789012:instance/${id}`)];
      expect(
        (resolvePlan(catalog('isolate-instance'), { resources: same }).targets as { instanceIds: readonly string[] }).instanceIds,
      ).toHaveLength(50);
    });

    it('refuses to target the instances of an incident that stores only part of the resources it was given', () => {
      expect(() => resolvePlan(catalog('isolate-instance'), { resources: ['i-0aaaaaaaaaaaaaaa1'], resourcesOmitted: 7 })).toThrow(
        new PlanError('the incident names at least 7 more resources than it stores; target its instances by tag'),
      );
      // Tag targets do not depend on the stored list.
      expect(resolvePlan(catalog('patch-critical'), { resources: [], resourcesOmitted: 7 }).targets).toMatchObject({
        type: 'tags',
      });
    });

    it('keeps tag and resource-group targets as configured, whatever the incident names', () => {
      expect(resolvePlan(catalog('patch-critical'), { resources: [] }).targets).toEqual({
        type: 'tags',
        key: 'firebreak:fleet',
        values: ['production'],
      });
      expect(resolvePlan(entry({ targets: { type: 'resource-group', name: 'web-fleet' } }), { resources: [] }).targets).toEqual({
        type: 'resource-group',
        name: 'web-fleet',
      });
    });
  });
});

describe('instanceIdOf', () => {
  it.each([
    ['i-12345678', 'i-12345678'],
    ['i-0123456789abcdef0', 'i-0123456789abcdef0'],
    ['arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0', 'i-0123456789abcdef0'],
    ['arn:aws-us-gov:ec2:us-gov-west-1:123456789012:instance/i-12345678', 'i-12345678'],
    ['  i-12345678  ', 'i-12345678'],
  ])('%s is %s', (resource, id) => {
    expect(instanceIdOf(resource)).toBe(id);
  });

  it.each([
    'i-1234567',
    'i-0123456789abcdef01',
    'i-0123456789ABCDEF0',
    'xi-12345678',
    'foo/i-12345678',
    'arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0',
    'i-12345678; rm -rf /',
    'arn:aws:ec2:us-east-1:1:instance/i-12345678/extra',
    '',
  ])('%j is not an instance', (resource) => {
    expect(instanceIdOf(resource)).toBeUndefined();
  });
});

// --- planHash -------------------------------------------------------------------------------------

describe('planHash', () => {
  const plan = resolvePlan(catalog('restart-service'), INCIDENT, { serviceName: 'nginx.service' });

  it('is a SHA-256, stable across calls and across the order of keys and of the incident resources', () => {
    expect(planHash(plan)).toMatch(/^[0-9a-f]{64}$/);
    expect(planHash(plan)).toBe(planHash(structuredClone(plan)));
    const reordered = Object.fromEntries(Object.entries(plan).reverse()) as unknown as MitigationPlan;
    expect(planHash(reordered)).toBe(planHash(plan));
    const otherOrder = resolvePlan(
      catalog('restart-service'),
      { resources: [...INCIDENT.resources].reverse() },
      { serviceName: 'nginx.service' },
    );
    expect(planHash(otherOrder)).toBe(planHash(plan));
    const patch = resolvePlan(catalog('patch-critical'), INCIDENT, { RebootOption: 'NoReboot', Operation: 'Install' });
    expect(planHash(patch)).toBe(
      planHash(resolvePlan(catalog('patch-critical'), INCIDENT, { Operation: 'Install', RebootOption: 'NoReboot' })),
    );
  });

  it('a parameter left to its default hashes like the same value given explicitly (the plan is what runs)', () => {
    expect(planHash(resolvePlan(catalog('patch-critical'), INCIDENT))).toBe(
      planHash(resolvePlan(catalog('patch-critical'), INCIDENT, { Operation: 'Install', RebootOption: 'RebootIfNeeded' })),
    );
  });

  it.each<[string, (p: MitigationPlan) => MitigationPlan]>([
    ['a parameter value', (p) => ({ ...p, parameters: { serviceName: 'nginx.servicf' } })],
    ['an added parameter', (p) => ({ ...p, parameters: { ...p.parameters, extra: '' } })],
    [
      'one more target',
      (p) => ({ ...p, targets: { type: 'instances', instanceIds: [INSTANCE_A, INSTANCE_B, 'i-0ccccccccccccccc3'] } }),
    ],
    ['one target fewer', (p) => ({ ...p, targets: { type: 'instances', instanceIds: [INSTANCE_A] } })],
    ['targets by tag instead', (p) => ({ ...p, targets: { type: 'tags', key: 'Name', values: [INSTANCE_A] } })],
    ['max concurrency', (p) => ({ ...p, rateControl: { ...p.rateControl, maxConcurrency: '100%' } })],
    ['max errors', (p) => ({ ...p, rateControl: { ...p.rateControl, maxErrors: '10' } })],
    ['the document', (p) => ({ ...p, document: 'AWS-RunShellScript' })],
    ['the document version', (p) => ({ ...p, documentVersion: '3' })],
    ['the kind', (p) => ({ ...p, kind: 'automation' })],
    ['the timeout', (p) => ({ ...p, timeoutSeconds: p.timeoutSeconds + 1 })],
    ['the catalog id', (p) => ({ ...p, catalogId: 'restart-service-2' })],
  ])('changes with %s', (_what, change) => {
    expect(planHash(change(plan))).not.toBe(planHash(plan));
  });
});

// --- newMitigationRequest -------------------------------------------------------------------------

describe('newMitigationRequest', () => {
  it('awaits approval, with its plan, hash, expiry, escalation time and senior quorum', () => {
    const request = requestFor('isolate-instance');
    expect(request).toMatchObject({
      id: 'MIT-0A1B2C3D4E',
      incidentId: INCIDENT.id,
      catalogId: 'isolate-instance',
      title: 'Isolate instance for forensics',
      risk: 'high',
      severity: 'SEV2',
      state: 'awaiting_approval',
      requestedBy: 'policy:classification',
      requestedAt: T0,
      expiresAt: at(60),
      escalateAt: at(15),
      seniorQuorum: 2,
      approvals: [],
      version: 1,
    });
    expect(request.planHash).toBe(planHash(request.plan));
    expect(request.escalatedAt).toBeUndefined();
    expect(request.decidedBy).toBeUndefined();
  });

  it.each([
    ['SEV1', 5],
    ['SEV2', 15],
    ['SEV3', 60],
    ['SEV4', 240],
  ] as const)('a %s request escalates after %i minutes', (severity, minutes) => {
    expect(requestFor('isolate-instance', { severity }).escalateAt).toBe(at(minutes));
  });

  it('takes the senior quorum of its risk level', () => {
    expect(requestFor('isolate-instance').seniorQuorum).toBe(config.policy.seniorQuorum.high);
    expect(requestFor('restart-service').seniorQuorum).toBe(config.policy.seniorQuorum.medium);
    expect(lowRiskRequest().seniorQuorum).toBe(config.policy.seniorQuorum.low);
  });

  it('a pre-approved low-risk entry is approved by policy at once', () => {
    expect(requestFor('collect-diagnostics')).toMatchObject({
      state: 'approved',
      decidedBy: ['policy'],
      decidedAt: T0,
      reason: 'pre-approved low-risk countermeasure',
      approvals: [],
    });
  });

  it('refuses a plan with bad parameters before any request exists', () => {
    expect(() => requestFor('restart-service', { parameters: { serviceName: '$(curl x)' } })).toThrow(PlanError);
  });
});

// --- decide ---------------------------------------------------------------------------------------

describe('decide: the approval policy', () => {
  describe('refusals', () => {
    it('other_workspace: a request from another Slack workspace, even the CTO', () => {
      const result = decision({
        request: requestFor('isolate-instance'),
        member: CTO,
        actor: { userId: CTO.slackUserId, teamId: 'T0OTHERTEAM' },
      });
      expect(result).toEqual({
        allowed: false,
        refusal: 'other_workspace',
        message: 'This request comes from another Slack workspace.',
      });
    });

    it('not_on_roster: someone not on the roster cannot approve or reject', () => {
      for (const action of ['approve', 'reject'] as const) {
        expect(decision({ request: requestFor('isolate-instance'), member: undefined, action })).toEqual({
          allowed: false,
          refusal: 'not_on_roster',
          message: 'You are not on the Firebreak roster, so you cannot decide on mitigations.',
        });
      }
    });

    it('wrong_role: a responder can neither approve nor reject', () => {
      expect(decision({ request: requestFor('isolate-instance'), member: RESPONDER })).toMatchObject({
        allowed: false,
        refusal: 'wrong_role',
        message: 'Only the CTO or, when the CTO is unavailable, senior engineers can approve mitigations.',
      });
      expect(
        decision({ request: requestFor('isolate-instance'), member: RESPONDER, action: 'reject', reason: 'no' }),
      ).toMatchObject({ allowed: false, refusal: 'wrong_role', message: expect.stringContaining('can reject mitigations') });
      // Even when the CTO is away or the request escalated.
      expect(
        refusalOf(
          decision({
            request: { ...requestFor('isolate-instance'), escalatedAt: T0 },
            member: RESPONDER,
            cto: { ...CTO, awayUntil: at(120) },
          }),
        ),
      ).toBe('wrong_role');
    });

    it.each(['approved', 'running', 'succeeded', 'failed', 'cancelled', 'rejected', 'expired'] as const)(
      'already_decided: a request that is %s',
      (state) => {
        const request = { ...requestFor('isolate-instance'), state, decidedBy: [S1.slackUserId, S2.slackUserId] };
        for (const member of [CTO, S1, S3]) {
          for (const action of ['approve', 'reject'] as const) {
            const result = decision({ request, member, action, now: at(5), reason: 'x' });
            expect(result).toMatchObject({
              allowed: false,
              refusal: 'already_decided',
              message: `MIT-0A1B2C3D4E is already ${state.replace('_', ' ')} (by <@U0SENIOR001>, <@U0SENIOR002>).`,
            });
          }
        }
      },
    );

    it('already_decided: a request approved by policy names the policy, not a broken mention', () => {
      const result = decision({ request: requestFor('collect-diagnostics'), member: CTO });
      expect(result).toMatchObject({ allowed: false, refusal: 'already_decided' });
      expect(result.message).toBe('MIT-0A1B2C3D4E is already approved (by policy).');
      expect(result.message).not.toContain('<@policy>');
    });

    it('expired: at and after the expiry time, with the expired request to store', () => {
      const request = requestFor('isolate-instance');
      expect(refusalOf(decision({ request, member: CTO, now: at(59) }))).toBe('allowed:approved');
      for (const now of [at(60), at(61), at(600)]) {
        const result = decision({ request, member: CTO, now });
        expect(result).toEqual({
          allowed: false,
          refusal: 'expired',
          message: `MIT-0A1B2C3D4E expired at ${at(60)}; request it again if it is still needed.`,
          expire: { ...request, state: 'expired', decidedAt: now, reason: 'approval window passed', version: 2 },
        });
      }
      // A rejection of an expired request expires it too.
      expect(refusalOf(decision({ request, member: S1, action: 'reject', reason: 'late', now: at(60) }))).toBe('expired');
    });

    it('self_approval: the requester cannot approve, whatever the role', () => {
      const bySenior = requestFor('restart-service', { requestedBy: `slack:${S1.slackUserId}` });
      expect(decision({ request: { ...bySenior, escalatedAt: T0 }, member: S1 })).toMatchObject({
        allowed: false,
        refusal: 'self_approval',
        message: expect.stringContaining('separation of duties'),
      });
      const byCto = requestFor('restart-service', { requestedBy: `slack:${CTO.slackUserId}` });
      expect(refusalOf(decision({ request: byCto, member: CTO }))).toBe('self_approval');
      // Someone else may approve it.
      expect(refusalOf(decision({ request: { ...bySenior, escalatedAt: T0 }, member: S2 }))).toBe('allowed:approval_recorded');
      expect(refusalOf(decision({ request: bySenior, member: CTO }))).toBe('allowed:approved');
    });

    it('self_approval: whoever changed the plan cannot approve it either', () => {
      const request = requestFor('restart-service', { requestedBy: `slack:${RESPONDER.slackUserId}` });
      const changed = replan(
        { ...request, escalatedAt: T0 },
        resolvePlan(catalog('restart-service'), INCIDENT, { serviceName: 'sshd.service' }),
        at(2),
        `slack:${S2.slackUserId}`,
      );
      expect(refusalOf(decision({ request: changed, member: S2, now: at(3) }))).toBe('self_approval');
      expect(refusalOf(decision({ request: changed, member: S1, now: at(3) }))).toBe('allowed:approval_recorded');
    });

    it('the requester may still reject their own request', () => {
      const request = requestFor('restart-service', { requestedBy: `slack:${S1.slackUserId}` });
      expect(refusalOf(decision({ request, member: S1, action: 'reject', reason: 'not needed' }))).toBe('allowed:rejected');
    });

    it('cto_available: a senior before the CTO is away or silent, with a reply that says until when', () => {
      const request = requestFor('isolate-instance');
      expect(decision({ request, member: S1, now: at(14) })).toEqual({
        allowed: false,
        refusal: 'cto_available',
        message: `The CTO <@U0CTO000001> is available: senior engineers can approve only if the CTO is away or silent until ${at(15)}.`,
      });
      // An away time that has passed does not count.
      expect(refusalOf(decision({ request, member: S1, now: at(14), cto: { ...CTO, awayUntil: at(10) } }))).toBe('cto_available');
      expect(refusalOf(decision({ request, member: S1, now: at(14), cto: { ...CTO, awayUntil: at(14) } }))).toBe('cto_available');
    });

    it('already_approved: the same senior counts once', () => {
      const request = { ...requestFor('isolate-instance'), escalatedAt: at(15) };
      const once = apply(request, S1, at(16));
      expect(decision({ request: once, member: S1, now: at(17) })).toEqual({
        allowed: false,
        refusal: 'already_approved',
        message: 'You already approved this plan; another senior engineer has to approve too.',
      });
    });
  });

  describe('approvals', () => {
    it('the CTO approves alone, at any time before expiry, bound to the current plan hash', () => {
      const request = requestFor('isolate-instance');
      const result = decision({ request, member: CTO, now: at(1) });
      expect(result).toEqual({
        allowed: true,
        outcome: 'approved',
        message: 'MIT-0A1B2C3D4E approved by the CTO <@U0CTO000001>.',
        request: {
          ...request,
          state: 'approved',
          approvals: [{ userId: CTO.slackUserId, role: 'cto', at: at(1), planHash: request.planHash }],
          decidedBy: [CTO.slackUserId],
          decidedAt: at(1),
          version: 2,
        },
      });
      // Also after escalation, and while marked away.
      expect(refusalOf(decision({ request: { ...request, escalatedAt: at(15) }, member: CTO, now: at(30) }))).toBe(
        'allowed:approved',
      );
      expect(refusalOf(decision({ request, member: CTO, cto: { ...CTO, awayUntil: at(120) } }))).toBe('allowed:approved');
    });

    it('a senior approval of a request that is already partly approved by seniors does not need the CTO', () => {
      const request = { ...requestFor('isolate-instance'), escalatedAt: at(15) };
      const first = decision({ request, member: S1, now: at(16) });
      expect(first).toMatchObject({
        allowed: true,
        outcome: 'approval_recorded',
        message: 'Approval by <@U0SENIOR001> recorded: 1 of 2 senior approvals.',
      });
      const recorded = (first as { request: MitigationRequest }).request;
      expect(recorded).toMatchObject({
        state: 'awaiting_approval',
        version: 2,
        approvals: [{ userId: S1.slackUserId, role: 'senior', at: at(16), planHash: request.planHash }],
      });
      expect(recorded.decidedBy).toBeUndefined();
      const second = decision({ request: recorded, member: S2, now: at(17) });
      expect(second).toMatchObject({
        allowed: true,
        outcome: 'approved',
        message: 'MIT-0A1B2C3D4E approved by senior engineers <@U0SENIOR001> and <@U0SENIOR002>.',
      });
      expect((second as { request: MitigationRequest }).request).toMatchObject({
        state: 'approved',
        decidedBy: [S1.slackUserId, S2.slackUserId],
        decidedAt: at(17),
        version: 3,
      });
    });

    it.each([
      ['high', 'isolate-instance', 2],
      ['medium', 'restart-service', 2],
      ['low', 'low-risk', 1],
    ])('a %s-risk request needs %s… senior approvals', (_risk, catalogId, quorum) => {
      let request = catalogId === 'low-risk' ? lowRiskRequest() : requestFor(catalogId);
      request = { ...request, escalatedAt: at(15) };
      const seniors = [S1, S2, S3];
      for (let i = 0; i < quorum - 1; i++) {
        request = apply(request, seniors[i]!, at(16 + i));
        expect(request.state).toBe('awaiting_approval');
      }
      request = apply(request, seniors[quorum - 1]!, at(20));
      expect(request.state).toBe('approved');
      expect(request.decidedBy).toEqual(seniors.slice(0, quorum).map((s) => s.slackUserId));
    });

    it('the quorum comes from the request (as configured when it was made)', () => {
      let request: MitigationRequest = { ...requestFor('isolate-instance'), seniorQuorum: 3, escalatedAt: at(15) };
      request = apply(request, S1, at(16));
      request = apply(request, S2, at(16));
      expect(request.state).toBe('awaiting_approval');
      expect(apply(request, S3, at(16)).state).toBe('approved');
    });

    it('CTO away: seniors may approve at once', () => {
      const away = { ...CTO, awayUntil: at(120) };
      expect(refusalOf(decision({ request: requestFor('isolate-instance'), member: S1, cto: away, now: at(1) }))).toBe(
        'allowed:approval_recorded',
      );
    });

    it('CTO silent: past the escalation time seniors may approve, even before the escalation was recorded', () => {
      const request = requestFor('isolate-instance');
      expect(request.escalatedAt).toBeUndefined();
      expect(refusalOf(decision({ request, member: S1, now: at(15) }))).toBe('allowed:approval_recorded');
    });

    it('escalated: once recorded, seniors may approve even if the CTO is back', () => {
      const request = { ...requestFor('isolate-instance'), escalatedAt: at(1) };
      expect(refusalOf(decision({ request, member: S1, now: at(2) }))).toBe('allowed:approval_recorded');
    });

    it('approvals bind to the plan hash: after a plan change earlier approvals no longer count', () => {
      let request: MitigationRequest = {
        ...requestFor('restart-service', { requestedBy: `slack:${RESPONDER.slackUserId}` }),
        escalatedAt: at(1),
      };
      request = apply(request, S1, at(2));
      const newPlan = resolvePlan(catalog('restart-service'), INCIDENT, { serviceName: 'apache2.service' });
      request = replan(request, newPlan, at(3), `slack:${RESPONDER.slackUserId}`);
      // S2 alone is 1 of 2 on the new plan: S1's approval was for the old one.
      const afterS2 = decision({ request, member: S2, now: at(4) });
      expect(afterS2).toMatchObject({ allowed: true, outcome: 'approval_recorded', message: expect.stringContaining('1 of 2') });
      request = (afterS2 as { request: MitigationRequest }).request;
      // S1 may approve again, this time the new plan.
      const afterS1 = decision({ request, member: S1, now: at(5) });
      expect(afterS1).toMatchObject({ allowed: true, outcome: 'approved' });
      const approved = (afterS1 as { request: MitigationRequest }).request;
      expect(approved.decidedBy).toEqual([S2.slackUserId, S1.slackUserId]);
      expect(approved.approvals.map((a) => [a.userId, a.planHash === planHash(newPlan)])).toEqual([
        [S1.slackUserId, false],
        [S2.slackUserId, true],
        [S1.slackUserId, true],
      ]);
    });

    it('approvals recorded for another hash are ignored even without a replan record', () => {
      const request: MitigationRequest = {
        ...requestFor('isolate-instance'),
        escalatedAt: at(1),
        approvals: [{ userId: S1.slackUserId, role: 'senior', at: at(1), planHash: 'f'.repeat(64) }],
      };
      expect(decision({ request, member: S2, now: at(2) })).toMatchObject({ allowed: true, outcome: 'approval_recorded' });
    });
  });

  describe('rejections', () => {
    it('the CTO rejects, ending the request, with the reason kept as typed and escaped in the reply', () => {
      const request = requestFor('isolate-instance');
      const result = decision({ request, member: CTO, action: 'reject', reason: '  <!channel> wrong host  ', now: at(2) });
      expect(result).toEqual({
        allowed: true,
        outcome: 'rejected',
        message: 'MIT-0A1B2C3D4E rejected by <@U0CTO000001>: &lt;!channel&gt; wrong host',
        request: {
          ...request,
          state: 'rejected',
          decidedBy: [CTO.slackUserId],
          decidedAt: at(2),
          reason: '<!channel> wrong host',
          version: 2,
        },
      });
    });

    it('a senior may reject while the CTO is available, and after approvals were recorded', () => {
      expect(
        decision({ request: requestFor('isolate-instance'), member: S1, action: 'reject', reason: 'no', now: at(1) }),
      ).toMatchObject({ allowed: true, outcome: 'rejected', request: { state: 'rejected', decidedBy: [S1.slackUserId] } });
      const partly = apply({ ...requestFor('isolate-instance'), escalatedAt: at(15) }, S1, at(16));
      expect(decision({ request: partly, member: S2, action: 'reject', reason: 'no', now: at(17) })).toMatchObject({
        allowed: true,
        outcome: 'rejected',
      });
    });

    it('a rejection without a reason says so', () => {
      for (const reason of [undefined, '', '   ']) {
        const result = decision({
          request: requestFor('isolate-instance'),
          member: CTO,
          action: 'reject',
          ...(reason === undefined ? {} : { reason }),
        });
        expect(result).toMatchObject({
          allowed: true,
          message: 'MIT-0A1B2C3D4E rejected by <@U0CTO000001>: no reason given',
          request: { reason: 'no reason given' },
        });
      }
    });
  });

  it('is pure: the request it is given is not changed', () => {
    const request = { ...requestFor('isolate-instance'), escalatedAt: at(15) };
    const frozen = structuredClone(request);
    decision({ request, member: S1, now: at(16) });
    decision({ request, member: CTO, now: at(16) });
    decision({ request, member: CTO, now: at(90) });
    expect(request).toEqual(frozen);
  });
});

// --- escalate, replan, isAway ---------------------------------------------------------------------

describe('escalate', () => {
  const request = requestFor('isolate-instance');

  it('marks an undecided request escalated once its time has come', () => {
    expect(escalate(request, at(15))).toEqual({ ...request, escalatedAt: at(15), version: 2 });
    expect(escalate(request, at(30))).toMatchObject({ escalatedAt: at(30) });
  });

  it('does nothing before its time, twice, after a decision, or after expiry', () => {
    expect(escalate(request, at(14))).toBeUndefined();
    expect(escalate({ ...request, escalatedAt: at(15) }, at(16))).toBeUndefined();
    for (const state of ['approved', 'rejected', 'expired', 'running'] as const)
      expect(escalate({ ...request, state }, at(16))).toBeUndefined();
    expect(escalate(request, at(60))).toBeUndefined();
  });
});

describe('expire', () => {
  const request = requestFor('isolate-instance');

  it('expires an undecided request at and after the end of its window, the same transition as a late click', () => {
    expect(request.expiresAt).toBe(at(60));
    const expired = { ...request, state: 'expired', decidedAt: at(60), reason: 'approval window passed', version: 2 };
    expect(expire(request, at(60))).toEqual(expired);
    expect(expire(request, at(61))).toMatchObject({ state: 'expired', decidedAt: at(61) });
    expect(decision({ request, member: CTO, now: at(60) })).toMatchObject({
      allowed: false,
      refusal: 'expired',
      expire: expired,
    });
  });

  it('leaves a request alone before its window ends (a schedule that fired early), and once decided or expired', () => {
    expect(expire(request, new Date(Date.parse(at(60)) - 1).toISOString())).toBeUndefined();
    for (const state of ['approved', 'running', 'succeeded', 'failed', 'cancelled', 'rejected', 'expired'] as const)
      expect(expire({ ...request, state }, at(90))).toBeUndefined();
  });

  it('keeps approvals short of the quorum on record', () => {
    const partial = apply({ ...request, escalatedAt: at(15) }, S1, at(20));
    expect(partial.approvals).toHaveLength(1);
    expect(expire(partial, at(60))).toMatchObject({ state: 'expired', approvals: partial.approvals });
  });
});

describe('replan', () => {
  it('keeps the approval window and the escalation time: the timers scheduled at creation still hold', () => {
    const request = requestFor('restart-service', { requestedBy: `slack:${RESPONDER.slackUserId}` });
    const plan = resolvePlan(catalog('restart-service'), INCIDENT, { serviceName: 'apache2.service' });
    const changed = replan(request, plan, at(30), `slack:${S3.slackUserId}`);
    expect([changed.expiresAt, changed.escalateAt]).toEqual([request.expiresAt, request.escalateAt]);
  });

  it('changes the plan and its hash, keeps the approvals on record and remembers who changed it', () => {
    const request = apply(
      { ...requestFor('restart-service', { requestedBy: `slack:${RESPONDER.slackUserId}` }), escalatedAt: at(1) },
      S1,
      at(2),
    );
    const plan = resolvePlan(catalog('restart-service'), INCIDENT, { serviceName: 'apache2.service' });
    const changed = replan(request, plan, at(3), `slack:${S3.slackUserId}`);
    expect(changed).toMatchObject({
      state: 'awaiting_approval',
      plan,
      planHash: planHash(plan),
      requestedAt: at(3),
      requestedBy: `slack:${RESPONDER.slackUserId}`,
      approvals: request.approvals,
      version: request.version + 1,
      planChangedBy: [`slack:${S3.slackUserId}`],
    });
    expect(changed.planHash).not.toBe(request.planHash);
    expect(
      replan(
        changed,
        resolvePlan(catalog('restart-service'), INCIDENT, { serviceName: 'x.service' }),
        at(4),
        `slack:${S3.slackUserId}`,
      ).planChangedBy,
    ).toEqual([`slack:${S3.slackUserId}`]);
  });
});

describe('isAway', () => {
  it('is away strictly before awayUntil', () => {
    expect(isAway(undefined, T0)).toBe(false);
    expect(isAway({}, T0)).toBe(false);
    expect(isAway({ awayUntil: at(1) }, T0)).toBe(true);
    expect(isAway({ awayUntil: T0 }, T0)).toBe(false);
    expect(isAway({ awayUntil: at(-1) }, T0)).toBe(false);
  });
});
