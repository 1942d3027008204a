import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config.ts';
import { newMitigationRequest, PlanError, resolvePlan } from '../../../functions/core/mitigations/mitigation.ts';
import { fromIncidentValue } from '../../../functions/core/mitigations/resource-targets.ts';
import { checkPlan, knownTargetCount, startAutomationInput } from '../../../functions/core/mitigations/ssm.ts';
import { createClassifier } from '../../../functions/core/signals/classify.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import { fixture } from '../../support.ts';
import { configInput } from '../helpers.ts';
import { catalog, config, entry, T0 } from './fixtures.ts';

const ROLE = 'arn:aws:iam::123456789012:role/firebreak-automation';
const signalOf = (name: string, detail: Record<string, unknown> = {}) => {
  const event = fixture(name);
  const { signals } = normalizeEvent({ ...event, detail: { ...event.detail, ...detail } });
  expect(signals).toHaveLength(1);
  return signals[0]!;
};
const incidentOf = (name: string, detail?: Record<string, unknown>) => ({
  id: 'INC-1A2B3C4D5E',
  severity: 'SEV2' as const,
  resources: signalOf(name, detail).resources,
});
const requestFor = (catalogId: string, incident: ReturnType<typeof incidentOf>, parameters: Record<string, string> = {}) =>
  newMitigationRequest({
    id: 'MIT-0A1B2C3D4E',
    entry: catalog(catalogId),
    incident,
    parameters,
    requestedBy: 'policy:classification',
    now: T0,
    policy: config.policy,
  });

describe('responses to watched changes: parameters from the incident, one automation execution', () => {
  it('revokes exactly the rule a security group opened to the world got, naming no instance', () => {
    const incident = incidentOf('cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json');
    const request = requestFor('revoke-ingress-rule', incident);
    expect(request.plan).toMatchObject({
      document: 'Firebreak-RevokeSecurityGroupIngress',
      kind: 'automation',
      parameters: { GroupId: 'sg-0123456789abcdef0', SecurityGroupRuleId: 'sgr-0abcdef1234567890' },
      targets: { type: 'resource' },
    });
    expect(knownTargetCount(request.plan)).toBeUndefined();
    expect(startAutomationInput(request, { automationRoleArn: ROLE })).toStrictEqual({
      DocumentName: 'Firebreak-RevokeSecurityGroupIngress',
      DocumentVersion: '$DEFAULT',
      Parameters: {
        GroupId: ['sg-0123456789abcdef0'],
        SecurityGroupRuleId: ['sgr-0abcdef1234567890'],
        AutomationAssumeRole: [ROLE],
      },
      ClientToken: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
    });
    expect(checkPlan(request.plan, catalog('revoke-ingress-rule'))).toEqual({ ok: true });
  });

  it("deactivates the long-term key that made the change (the caller's), and offers reactivation as its rollback", () => {
    const incident = incidentOf('cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json');
    expect(requestFor('deactivate-access-key', incident).plan.parameters).toEqual({
      UserName: 'Alice',
      AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    });
    expect(catalog('deactivate-access-key').rollback).toBe('reactivate-access-key');
  });

  it('deactivates the key just created rather than the creator’s own', () => {
    const incident = incidentOf('cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json', {
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateAccessKey',
      requestParameters: { userName: 'bob' },
      responseElements: { accessKey: { userName: 'bob', accessKeyId: 'AKIAI44QH8DHBEXAMPLE', status: 'Active' } },
    });
    expect(requestFor('deactivate-access-key', incident).plan.parameters).toEqual({
      UserName: 'bob',
      AccessKeyId: 'AKIAI44QH8DHBEXAMPLE',
    });
  });

  it('detaches the policy from the role it was attached to, restores a bucket’s Block Public Access, restarts a trail', () => {
    const attach = incidentOf('cloudtrail-attach-role-policy-pipeline-constructed.json');
    expect(requestFor('detach-role-policy', attach).plan.parameters).toEqual({
      RoleName: expect.stringMatching(/^[A-Za-z0-9+=,.@_-]+$/),
      PolicyArn: expect.stringMatching(/^arn:aws:iam::(aws|[0-9]{12}):policy\//),
    });
    const bucket = incidentOf('cloudtrail-delete-public-access-block-constructed.json');
    const restore = requestFor('restore-s3-public-access-block', bucket);
    expect(restore.plan.document).toBe('AWS-DisableS3BucketPublicReadWrite');
    expect(Object.keys(restore.plan.parameters)).toEqual(['S3BucketName']);
    const stopped = incidentOf('cloudtrail-stop-logging-constructed.json');
    expect(requestFor('restart-cloudtrail-logging', stopped).plan.parameters.TrailName).toMatch(/^[A-Za-z0-9._:/-]{3,}$/);
  });

  it('refuses when the incident names nothing to act on, and a typed value still goes through the allowed pattern', () => {
    const incident = { id: 'INC-1A2B3C4D5E', severity: 'SEV2' as const, resources: ['sg-0123456789abcdef0'] };
    expect(() => requestFor('revoke-ingress-rule', incident)).toThrow(/SecurityGroupRuleId=… and the incident names no resource/);
    expect(requestFor('revoke-ingress-rule', incident, { SecurityGroupRuleId: 'sgr-0123456789abcdef0' }).plan.parameters).toEqual(
      {
        GroupId: 'sg-0123456789abcdef0',
        SecurityGroupRuleId: 'sgr-0123456789abcdef0',
      },
    );
    expect(() => requestFor('revoke-ingress-rule', incident, { SecurityGroupRuleId: 'sgr-1; reboot' })).toThrow(PlanError);
  });

  it('never lets a hostile resource through: anchored patterns skip it, a loose one still meets allowedPattern and the refused characters', () => {
    const hostile = ['security-group-rule/sgr-0123456789abcdef0; rm -rf /', 'iam-user/alice$(reboot)', 'iam-user/a\nb'];
    expect(fromIncidentValue('^security-group-rule/(sgr-[0-9a-f]{8,17})$', hostile)).toBeUndefined();
    const loose = entry({
      kind: 'automation',
      document: 'Firebreak-DeactivateAccessKey',
      targets: { type: 'resource' },
      parameters: {
        UserName: { allowedPattern: '^[A-Za-z0-9+=,.@_-]{1,64}$', fromIncident: '^iam-user/(.+)$' },
        AccessKeyId: { allowedPattern: '^AKIA[A-Z0-9]{12,124}$', default: 'AKIAIOSFODNN7EXAMPLE' },
      },
    });
    expect(() => resolvePlan(loose, { resources: ['iam-user/alice$(reboot)'] })).toThrow(/never allowed/);
    expect(() => resolvePlan(loose, { resources: ['iam-user/alice bob'] })).toThrow(/does not match/);
  });

  it('re-checks a stored plan against the entry: a plan for instances is not a plan for a resource', () => {
    const incident = incidentOf('cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json');
    const request = requestFor('revoke-ingress-rule', incident);
    const changed = { ...catalog('revoke-ingress-rule'), targets: { type: 'incident-instances' as const } };
    expect(checkPlan(request.plan, changed)).toMatchObject({ ok: false, reason: 'catalog_mismatch' });
    const tampered = { ...request.plan, parameters: { ...request.plan.parameters, GroupId: 'sg-1;x' } };
    expect(checkPlan(tampered, catalog('revoke-ingress-rule'))).toMatchObject({ ok: false, reason: 'invalid_plan' });
  });
});

describe('configuration', () => {
  it('refuses a resource target on Run Command, a fromIncident without a capture group, and a response not in the catalog', () => {
    expect(() => entry({ kind: 'command', targets: { type: 'resource' } })).toThrow(
      /only automation runbooks can target a resource/,
    );
    expect(() =>
      entry({ kind: 'automation', parameters: { A: { allowedPattern: '^a$', fromIncident: '^sg-[0-9a-f]+$' } } }),
    ).toThrow(/capture the value/);
    expect(() =>
      parseConfig(configInput({ watch: { respond: { 'network.ingress-world': ['no-such-entry'] } } }), 'test'),
    ).toThrow(/watch\.respond.*no-such-entry|no-such-entry.*not in the mitigation catalog/s);
  });

  it('proposes the configured response when a watched change opens an incident, and none for a refused attempt', () => {
    const classify = createClassifier(config);
    const opened = signalOf('cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json');
    expect(classify(opened).mitigations).toEqual(['revoke-ingress-rule']);
    const refused = signalOf('cloudtrail-attach-role-policy-admin-access-denied-constructed.json');
    expect(classify(refused).mitigations).toEqual([]);
  });
});
