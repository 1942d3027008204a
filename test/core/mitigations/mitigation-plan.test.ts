/** Mitigation requests: the plan, its target and hash, and a new request (helpers: requests.ts). */
import { describe, expect, it } from 'vitest';
import {
  instanceIdOf,
  MAX_INSTANCE_TARGETS,
  MAX_PARAMETER_LENGTH,
  PlanError,
  planHash,
  resolvePlan,
  type MitigationPlan,
} from '../../../functions/core/mitigations/mitigation.ts';
import { at, catalog, config, entry, INSTANCE_A, INSTANCE_B, T0 } from './fixtures.ts';
import { INCIDENT, requestFor, lowRiskRequest } from './requests.ts';

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
