import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type FirebreakConfig, type FirebreakConfigInput } from '../../functions/core/config.ts';
import { FIREBREAK_SOURCE, type EventPattern } from '../../functions/core/events/bus.ts';
import { MitigationApproved } from '../../functions/core/events/mitigation-approved.ts';
import { BUS_EVENTS } from '../../functions/core/events/subscriptions.ts';
import { EXECUTE_PATTERN } from '../../functions/core/events/subscriptions.ts';
import { SSM_STATUS_DETAIL_TYPES, SSM_STATUS_PATTERN } from '../../functions/core/mitigations/ssm-patterns.ts';
import { matchesPattern } from '../../functions/local/pattern-matcher.ts';
import { MITIGATION_OUTPUT_LOG_GROUP, NO_QUARANTINE_WARNING } from '../../lib/constructs/fleet-resources.ts';
import { catalogProblems, PREVIOUS_GROUPS_TAG, shippedDocuments, type DocumentParameter } from '../../lib/documents/index.ts';
import { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { actionsOf, arnJoin, exampleConfigInput, FIXTURES, newApp, synthesize, templateReaders, type Resource } from './synth.ts';

const VPC_ID = 'vpc-0a1b2c3d4e5f60718';

type Statement = {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
};
type Parameter = DocumentParameter;
type CommandContent = {
  schemaVersion: string;
  parameters: Record<string, Parameter>;
  mainSteps: Array<{ action: string; precondition?: unknown; inputs: { runCommand: string[]; timeoutSeconds: string } }>;
};
type AutomationContent = {
  schemaVersion: string;
  assumeRole: string;
  parameters: Record<string, Parameter>;
  mainSteps: Array<{ action: string; inputs: { Runtime: string; Script: string; InputPayload: Record<string, unknown> } }>;
};

/** The repository's configuration, with the quarantine VPC set (the stack then creates the group). */
const rawConfig = () => exampleConfigInput() as FirebreakConfigInput & Record<string, unknown>;
const withFleet = (fleet: Record<string, unknown>, mutate?: (raw: FirebreakConfigInput) => void): FirebreakConfig => {
  const raw = rawConfig();
  mutate?.(raw);
  return parseConfig({ ...raw, fleet });
};

let config: FirebreakConfig;
let app: App;
let stack: FirebreakStack;
let template: Template;
let resources: Record<string, Resource>;

const { logicalId, ref, arnOf, props, statementsOf, allStatementsFor } = templateReaders(() => ({ stack, resources }));
const env = (fn: IConstruct) => (props(fn).Environment as { Variables: Record<string, unknown> }).Variables;

const documentsOf = (type: 'Command' | 'Automation') =>
  Object.values(resources)
    .filter((r) => r.Type === 'AWS::SSM::Document' && r.Properties.DocumentType === type)
    .map((r) => ({ name: r.Properties.Name as string, content: r.Properties.Content as never }));
const commandDocuments = () => documentsOf('Command') as Array<{ name: string; content: CommandContent }>;
const allAutomationDocuments = () => documentsOf('Automation') as Array<{ name: string; content: AutomationContent }>;
/** The instance runbooks (isolate, release): the resource runbooks answering watched changes are tested on their own. */
const automationDocuments = () => allAutomationDocuments().filter((d) => 'InstanceId' in d.content.parameters);
const documentNamed = (name: string) =>
  Object.values(resources).find((r) => r.Type === 'AWS::SSM::Document' && r.Properties.Name === name)!.Properties;

beforeAll(() => {
  config = withFleet({ vpcId: VPC_ID });
  ({ app, stack, template, resources } = synthesize(config));
});

describe('fleet configuration', () => {
  it('defaults to the firebreak:fleet tag, no quarantine VPC and a 10 s progress interval', () => {
    expect(parseConfig(rawConfig()).fleet).toEqual({ tagKey: 'firebreak:fleet', progressIntervalSeconds: 10 });
  });

  it('refuses a malformed VPC id, an aws: tag key and a tag key that cannot sit in an IAM condition key', () => {
    expect(() => withFleet({ vpcId: 'vpc-XYZ' })).toThrow(/fleet\.vpcId/);
    expect(() => withFleet({ tagKey: 'aws:fleet' })).toThrow(/fleet\.tagKey: the aws: prefix is reserved/);
    expect(() => withFleet({ tagKey: 'fleet tag' })).toThrow(/fleet\.tagKey/);
    expect(() => withFleet({ tagKey: 'fleet"}' })).toThrow(/fleet\.tagKey/);
  });
});

describe('SSM documents', () => {
  it('ships the eleven Firebreak documents as JSON, updated by new versions, under the names the catalog uses', () => {
    const shipped = Object.values(resources).filter((r) => r.Type === 'AWS::SSM::Document');
    expect(shipped.map((r) => r.Properties.Name).sort()).toEqual(
      [
        'Firebreak-BlockIp',
        'Firebreak-CollectDiagnostics',
        'Firebreak-IsolateInstance',
        'Firebreak-ReleaseInstance',
        'Firebreak-RestartService',
        'Firebreak-UnblockIp',
        'Firebreak-RevokeSecurityGroupIngress',
        'Firebreak-DeactivateAccessKey',
        'Firebreak-ReactivateAccessKey',
        'Firebreak-DetachRolePolicy',
        'Firebreak-StartCloudTrailLogging',
      ].sort(),
    );
    for (const doc of shipped)
      expect(doc.Properties, String(doc.Properties.Name)).toMatchObject({ DocumentFormat: 'JSON', UpdateMethod: 'NewVersion' });
    for (const entry of config.mitigations.filter((m) => m.document.startsWith('Firebreak-'))) {
      expect(documentNamed(entry.document).DocumentType, entry.id).toBe(entry.kind === 'command' ? 'Command' : 'Automation');
    }
    expect([...stack.mitigation.documents.keys()].sort()).toEqual(shipped.map((r) => r.Properties.Name).sort());
  });

  it('writes every Command document in schema 2.2 with ENV_VAR interpolation and an anchored allowedPattern on every parameter', () => {
    expect(
      commandDocuments()
        .map((d) => d.name)
        .sort(),
    ).toEqual(['Firebreak-BlockIp', 'Firebreak-CollectDiagnostics', 'Firebreak-RestartService', 'Firebreak-UnblockIp']);
    for (const { name, content } of commandDocuments()) {
      expect(content.schemaVersion, name).toBe('2.2');
      expect(Object.keys(content.parameters).length, name).toBeGreaterThan(0);
      for (const [parameter, spec] of Object.entries(content.parameters)) {
        expect(spec.interpolationType, `${name}.${parameter}`).toBe('ENV_VAR');
        expect(spec.allowedPattern, `${name}.${parameter}`).toMatch(/^\^.*\$$/);
      }
      expect(documentNamed(name).TargetType, name).toBe('/AWS::EC2::Instance');
      for (const step of content.mainSteps) {
        expect(step.action, name).toBe('aws:runShellScript');
        expect(step.precondition, name).toEqual({ StringEquals: ['platformType', 'Linux'] });
        expect(Number(step.inputs.timeoutSeconds), name).toBeGreaterThan(0);
      }
    }
  });

  it('never puts {{ }} in a command, and reads parameters only as quoted "$SSM_<name>" variables it declares', () => {
    for (const { name, content } of commandDocuments()) {
      const lines = content.mainSteps.flatMap((step) => step.inputs.runCommand);
      const used = new Set<string>();
      for (const line of lines) {
        expect(line, name).not.toContain('{{');
        for (const match of line.matchAll(/\$\{?SSM_([A-Za-z0-9]+)/g)) used.add(match[1]!);
        // Outside double-quoted strings no parameter is ever expanded (word splitting, globbing).
        const unquoted = line.replace(/"(?:[^"\\]|\\.)*"/g, '""');
        expect(unquoted, `${name}: ${line}`).not.toMatch(/\$\{?SSM_/);
      }
      expect([...used].sort(), name).toEqual(Object.keys(content.parameters).sort());
    }
  });

  it('restarts with systemctl restart -- "$SSM_serviceName", and fails unless the unit is active', () => {
    const lines = (documentNamed('Firebreak-RestartService').Content as CommandContent).mainSteps[0]!.inputs.runCommand;
    expect(lines).toContain('systemctl restart -- "$SSM_serviceName"');
    expect(lines.join('\n')).toMatch(/systemctl is-active --quiet -- "\$SSM_serviceName"[\s\S]*exit 1/);
  });

  it('blocks idempotently (nftables set element, or iptables -C before -I) and unblocks what it blocked', () => {
    const block = (documentNamed('Firebreak-BlockIp').Content as CommandContent).mainSteps[0]!.inputs.runCommand.join('\n');
    expect(block).toContain('nft add element inet firebreak blocked4 { "$SSM_ipAddress" }');
    expect(block).toContain('add rule inet firebreak input ip saddr @blocked4 drop');
    for (const chain of ['INPUT -s', 'OUTPUT -d']) {
      const rule = `${chain} "$SSM_ipAddress" -m comment --comment firebreak-block-ip -j DROP`;
      expect(block).toContain(
        `iptables -C ${rule} 2>/dev/null || iptables -I ${chain.split(' ')[0]} 1 ${chain.split(' ')[1]} "$SSM_ipAddress" -m comment --comment firebreak-block-ip -j DROP`,
      );
    }
    const unblock = (documentNamed('Firebreak-UnblockIp').Content as CommandContent).mainSteps[0]!.inputs.runCommand.join('\n');
    expect(unblock).toContain('nft delete element inet firebreak blocked4 { "$SSM_ipAddress" }');
    expect(unblock).toContain('iptables -D INPUT -s "$SSM_ipAddress" -m comment --comment firebreak-block-ip -j DROP');
    expect(unblock).toContain('iptables -D OUTPUT -d "$SSM_ipAddress" -m comment --comment firebreak-block-ip -j DROP');
  });

  it('collects the journal, the processes and the connections into the diagnostics bucket under <instance id>/<timestamp>/', () => {
    const content = documentNamed('Firebreak-CollectDiagnostics').Content as CommandContent;
    const script = content.mainSteps[0]!.inputs.runCommand.join('\n');
    for (const command of ['journalctl --no-pager', 'ps aux', 'ss -tupan']) expect(script).toContain(command);
    expect(script).toContain(
      'aws s3 cp --recursive --only-show-errors --region "$region" "$workdir/" "s3://$SSM_bucketName/$instance/$stamp/"',
    );
    expect(content.parameters.bucketName!.default).toEqual(ref(stack.mitigation.diagnosticsBucket));
  });

  it('refuses injection attempts and oversized values in every Command parameter, and accepts real values', () => {
    const good: Record<string, string[]> = {
      serviceName: ['nginx.service', 'getty@tty1.service', 'sshd'],
      ipAddress: ['203.0.113.7', '10.0.0.1', '255.255.255.254'],
      bucketName: ['firebreak-mitigationdiagnosticsbucket-1a2b3c4d5e6f'],
      journalLines: ['2000', '1'],
    };
    const attacks = [
      '; rm -rf /',
      '$(curl x)',
      '`id`',
      'a\nb',
      '../etc/passwd',
      'nginx.service; reboot',
      '1.2.3.4 -j ACCEPT',
      "x' || true",
      '',
      'a'.repeat(2000),
    ];
    for (const { name, content } of commandDocuments()) {
      for (const [parameter, spec] of Object.entries(content.parameters)) {
        const pattern = new RegExp(spec.allowedPattern);
        for (const value of good[parameter] ?? [])
          expect(pattern.test(value), `${name}.${parameter} accepts ${value}`).toBe(true);
        expect(good[parameter], `${name}.${parameter} has sample values`).toBeDefined();
        for (const value of attacks)
          expect(pattern.test(value), `${name}.${parameter} refuses ${JSON.stringify(value)}`).toBe(false);
      }
    }
    const ip = new RegExp((documentNamed('Firebreak-BlockIp').Content as CommandContent).parameters.ipAddress!.allowedPattern);
    for (const value of ['256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '::1']) expect(ip.test(value), value).toBe(false);
  });

  it('writes the runbooks in schema 0.3, assuming {{ AutomationAssumeRole }}, with an allowedPattern on every parameter', () => {
    expect(
      automationDocuments()
        .map((d) => d.name)
        .sort(),
    ).toEqual(['Firebreak-IsolateInstance', 'Firebreak-ReleaseInstance']);
    for (const { name, content } of automationDocuments()) {
      expect(content.schemaVersion, name).toBe('0.3');
      expect(content.assumeRole, name).toBe('{{ AutomationAssumeRole }}');
      expect(Object.keys(content.parameters).sort(), name).toEqual(['AutomationAssumeRole', 'InstanceId']);
      for (const [parameter, spec] of Object.entries(content.parameters))
        expect(spec.allowedPattern, `${name}.${parameter}`).toMatch(/^\^.*\$$/);
      expect(content.parameters.InstanceId!.allowedPattern).toBe('^i-[0-9a-f]{8,17}$');
      expect(content.parameters.AutomationAssumeRole!.default).toEqual(arnOf(stack.mitigation.automationRole));
      const role = new RegExp(content.parameters.AutomationAssumeRole!.allowedPattern);
      expect(role.test('arn:aws:iam::123456789012:role/Firebreak-MitigationAutomationRole-1A2B3C')).toBe(true);
      for (const value of ['arn:aws:iam::123456789012:user/admin', 'arn:aws:iam::123456789012:role/x\n', '*'])
        expect(role.test(value), value).toBe(false);
      const instance = new RegExp(content.parameters.InstanceId!.allowedPattern);
      for (const value of ['i-0123456789abcdef0', 'i-12345678']) expect(instance.test(value), value).toBe(true);
      for (const value of ['i-0123; reboot', 'i-XYZ12345', 'mi-0123456789abcdef0', 'i-0123456789abcdef0\n'])
        expect(instance.test(value), value).toBe(false);
      for (const step of content.mainSteps) {
        expect(step.action, name).toBe('aws:executeScript');
        expect(step.inputs.Runtime, name).toBe('python3.11');
        expect(step.inputs.InputPayload).toMatchObject({
          InstanceId: '{{ InstanceId }}',
          FleetTagKey: config.fleet.tagKey,
          PreviousGroupsTagKey: PREVIOUS_GROUPS_TAG,
        });
      }
    }
  });

  it('answers watched changes with one-call runbooks on the resource their anchored parameters name, as the automation role', () => {
    const responses = allAutomationDocuments().filter((d) => !('InstanceId' in d.content.parameters));
    const calls = Object.fromEntries(
      responses.map(({ name, content }) => {
        const step = content.mainSteps[0] as unknown as { action: string; inputs: Record<string, unknown> };
        expect(content.mainSteps, name).toHaveLength(1);
        expect(step.action, name).toBe('aws:executeAwsApi');
        expect(content.assumeRole, name).toBe('{{ AutomationAssumeRole }}');
        expect(content.parameters.AutomationAssumeRole!.default, name).toEqual(arnOf(stack.mitigation.automationRole));
        for (const [parameter, spec] of Object.entries(content.parameters))
          expect(spec.allowedPattern, `${name}.${parameter}`).toMatch(/^\^.*\$$/);
        return [name, step.inputs];
      }),
    );
    expect(calls).toEqual({
      'Firebreak-RevokeSecurityGroupIngress': {
        Service: 'ec2',
        Api: 'RevokeSecurityGroupIngress',
        GroupId: '{{ GroupId }}',
        SecurityGroupRuleIds: ['{{ SecurityGroupRuleId }}'],
      },
      'Firebreak-DeactivateAccessKey': {
        Service: 'iam',
        Api: 'UpdateAccessKey',
        UserName: '{{ UserName }}',
        AccessKeyId: '{{ AccessKeyId }}',
        Status: 'Inactive',
      },
      'Firebreak-ReactivateAccessKey': {
        Service: 'iam',
        Api: 'UpdateAccessKey',
        UserName: '{{ UserName }}',
        AccessKeyId: '{{ AccessKeyId }}',
        Status: 'Active',
      },
      'Firebreak-DetachRolePolicy': {
        Service: 'iam',
        Api: 'DetachRolePolicy',
        RoleName: '{{ RoleName }}',
        PolicyArn: '{{ PolicyArn }}',
      },
      'Firebreak-StartCloudTrailLogging': { Service: 'cloudtrail', Api: 'StartLogging', Name: '{{ TrailName }}' },
    });
    const pattern = (doc: string, parameter: string) =>
      new RegExp((documentNamed(doc).Content as AutomationContent).parameters[parameter]!.allowedPattern);
    for (const bad of ['sgr-0123456789abcdef0 ', 'sgr-01234567;x', 'sg-0123456789abcdef0'])
      expect(pattern('Firebreak-RevokeSecurityGroupIngress', 'SecurityGroupRuleId').test(bad), bad).toBe(false);
    for (const bad of ['ASIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE\n', '*'])
      expect(pattern('Firebreak-DeactivateAccessKey', 'AccessKeyId').test(bad), bad).toBe(false);
    expect(pattern('Firebreak-DetachRolePolicy', 'PolicyArn').test('arn:aws:iam::aws:policy/AdministratorAccess')).toBe(true);
    expect(pattern('Firebreak-DetachRolePolicy', 'PolicyArn').test('arn:aws:iam::aws:policy/*')).toBe(false);
  });

  it('grants the automation role each response action scoped to its kind of resource, and nothing else of IAM', () => {
    const role = statementsOf(stack.mitigation.automationRole);
    const grant = (action: string) => role.filter((s) => actionsOf(s).includes(action)).map((s) => JSON.stringify(s.Resource));
    expect(grant('iam:UpdateAccessKey')).toHaveLength(1);
    expect(grant('iam:UpdateAccessKey')[0]).toContain(':user/*');
    expect(grant('iam:DetachRolePolicy')[0]).toContain(':role/*');
    expect(grant('ec2:RevokeSecurityGroupIngress')[0]).toContain(':security-group/*');
    expect(grant('cloudtrail:StartLogging')[0]).toContain(':trail/*');
    expect(grant('s3:PutBucketPublicAccessBlock')[0]).toContain(':s3:::*');
    const iamActions = role.flatMap(actionsOf).filter((a) => a.startsWith('iam:'));
    expect(iamActions.sort()).toEqual(['iam:DetachRolePolicy', 'iam:UpdateAccessKey']);
  });

  it("isolates by snapshotting first, recording the groups in a tag, then moving into the stack's quarantine group; releases from that tag", () => {
    const isolate = (documentNamed('Firebreak-IsolateInstance').Content as AutomationContent).mainSteps[0]!.inputs;
    expect(isolate.InputPayload).toMatchObject({
      QuarantineGroupId: { 'Fn::GetAtt': [logicalId(stack.mitigation.quarantineSecurityGroup!), 'GroupId'] },
      QuarantineVpcId: VPC_ID,
    });
    const order = ['ec2.create_snapshots(', 'ec2.create_tags(', 'ec2.modify_instance_attribute('].map((call) =>
      isolate.Script.indexOf(call),
    );
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const release = (documentNamed('Firebreak-ReleaseInstance').Content as AutomationContent).mainSteps[0]!.inputs;
    expect(release.Script).toContain('ec2.modify_instance_attribute(InstanceId=instance_id, Groups=groups)');
    expect(release.Script).toContain('ec2.delete_tags(Resources=[instance_id], Tags=[{"Key": previous_tag}])');
  });
});

describe('catalog and documents agree', () => {
  const shipped = () =>
    shippedDocuments({
      diagnosticsBucketName: 'bucket',
      automationRoleArn: 'arn:aws:iam::123456789012:role/r',
      fleetTagKey: 'firebreak:fleet',
    });

  it('finds nothing wrong with the repository catalog', () => {
    expect(catalogProblems(config.mitigations, shipped())).toEqual([]);
  });

  it('names each disagreement: an unshipped Firebreak- document, the wrong kind, unknown, reserved and missing parameters', () => {
    const entry = config.mitigations.find((m) => m.id === 'restart-service')!;
    const isolate = config.mitigations.find((m) => m.id === 'isolate-instance')!;
    const problems = catalogProblems(
      [
        { ...entry, id: 'nope', document: 'Firebreak-Nope' },
        { ...entry, id: 'wrong-kind', kind: 'automation' },
        { ...entry, id: 'extra', parameters: { ...entry.parameters, unit: { description: '', allowedPattern: '^x$' } } },
        { ...entry, id: 'missing', parameters: {} },
        { ...isolate, id: 'reserved', parameters: { InstanceId: { description: '', allowedPattern: '^i-[0-9a-f]{8,17}$' } } },
        { ...entry, id: 'aws-managed', document: 'AWS-RestartService' },
      ],
      shipped(),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^mitigations\[0\] \(nope\)\.document: "Firebreak-Nope" starts with Firebreak- but the stack ships no such document/,
      ),
      'mitigations[1] (wrong-kind).kind: Firebreak-RestartService is a Command document, so the kind must be "command"',
      'mitigations[2] (extra).parameters.unit: Firebreak-RestartService has no such parameter (it takes serviceName)',
      'mitigations[3] (missing).parameters: Firebreak-RestartService needs serviceName, which the entry does not declare',
      'mitigations[4] (reserved).parameters.InstanceId: is filled by Firebreak when it starts the runbook',
    ]);
  });

  it('fails the synth with that message when the catalog names a Firebreak- document the stack does not ship', () => {
    const bad = withFleet({}, (raw) => {
      const catalog = raw.mitigations as Array<Record<string, unknown>>;
      catalog.push({ ...catalog.find((m) => m.id === 'restart-service'), id: 'drain-node', document: 'Firebreak-DrainNode' });
    });
    const build = () => new FirebreakStack(newApp(), 'Firebreak', { config: bad });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(
      /the mitigation catalog \(mitigations\) is not a valid Firebreak configuration:\n {2}- mitigations\[\d+\] \(drain-node\)\.document: "Firebreak-DrainNode"/,
    );
  });
});

describe('quarantine security group', () => {
  it('is created in fleet.vpcId with no inbound rule and only an egress rule that matches nothing', () => {
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    const group = props(stack.mitigation.quarantineSecurityGroup!);
    expect(group.VpcId).toBe(VPC_ID);
    expect(group.SecurityGroupIngress).toBeUndefined();
    // CloudFormation keeps a new group's allow-all egress unless at least one egress rule is given.
    expect(group.SecurityGroupEgress).toEqual([
      { CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic', FromPort: 252, IpProtocol: 'icmp', ToPort: 86 },
    ]);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    template.hasOutput('QuarantineSecurityGroupId', {
      Value: { 'Fn::GetAtt': [logicalId(stack.mitigation.quarantineSecurityGroup!), 'GroupId'] },
    });
  });

  it('is not created without fleet.vpcId: the synth warns, the runbook refuses, and the output is absent', () => {
    // Construction only (no synth): the warning is construct metadata.
    const bare = new FirebreakStack(newApp(), 'Firebreak', {
      config: parseConfig(rawConfig()),
    });
    expect(bare.mitigation.quarantineSecurityGroup).toBeUndefined();
    expect(bare.node.tryFindChild('QuarantineSecurityGroupId')).toBeUndefined();
    const warnings = bare.mitigation.node.metadata
      .filter((entry) => entry.type === 'aws:cdk:warning')
      .map((entry) => String(entry.data));
    expect(warnings).toEqual([
      expect.stringContaining('fleet.vpcId is not set, so the stack creates no quarantine security group and isolate-instance'),
    ]);
    expect(warnings[0]).toContain(NO_QUARANTINE_WARNING);
    const isolate = bare.mitigation.documents.get('Firebreak-IsolateInstance')!.content as AutomationContent;
    expect(isolate.mainSteps[0]!.inputs.InputPayload).toMatchObject({ QuarantineGroupId: '', QuarantineVpcId: '' });
    expect(isolate.mainSteps[0]!.inputs.Script).toContain('Firebreak has no quarantine security group: set fleet.vpcId');
  });
});

describe('diagnostics bucket', () => {
  it('is encrypted, private, TLS-only, versioned, access-logged, expires after 90 days and outlives the stack', () => {
    const bucket = resources[logicalId(stack.mitigation.diagnosticsBucket)]!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: ref(stack.mitigation.accessLogsBucket), LogFilePrefix: 'diagnostics/' },
      LifecycleConfiguration: {
        Rules: [
          expect.objectContaining({
            ExpirationInDays: 90,
            NoncurrentVersionExpiration: { NoncurrentDays: 90 },
            Status: 'Enabled',
          }),
        ],
      },
    });
    const policy = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::S3::BucketPolicy' &&
        JSON.stringify(r.Properties.Bucket) === JSON.stringify(ref(stack.mitigation.diagnosticsBucket)),
    )!;
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    // Nothing is granted by the bucket policy: instance roles get s3:PutObject in their own policies.
    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([]);
    template.hasOutput('DiagnosticsBucketName', { Value: ref(stack.mitigation.diagnosticsBucket) });
  });

  it('logs to a private, S3-managed-key, TLS-only bucket that only S3 logging may write to', () => {
    expect(props(stack.mitigation.accessLogsBucket)).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const policy = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::S3::BucketPolicy' &&
        JSON.stringify(r.Properties.Bucket) === JSON.stringify(ref(stack.mitigation.accessLogsBucket)),
    )!;
    const allows = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter((s) => s.Effect === 'Allow');
    // One statement per bucket that logs here (diagnostics, audit digests, postmortems), each S3 logging only.
    expect(allows.length).toBeGreaterThan(0);
    for (const allow of allows)
      expect(allow).toEqual(
        expect.objectContaining({ Action: 's3:PutObject', Principal: { Service: 'logging.s3.amazonaws.com' } }),
      );
  });
});

describe('Run Command output', () => {
  it('goes to /firebreak/mitigations, kept a year, encrypted and retained', () => {
    const group = resources[logicalId(stack.mitigation.outputLogGroup)]!;
    expect(group.Properties).toEqual({
      LogGroupName: MITIGATION_OUTPUT_LOG_GROUP,
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] },
    });
    expect(group.DeletionPolicy).toBe('Retain');
    template.hasOutput('MitigationOutputLogGroup', { Value: ref(stack.mitigation.outputLogGroup) });
  });
});

describe('execute and track functions', () => {
  // No SLACK_SECRET_ARN (neither posts to Slack: notify renders what they announce) and no FLEET_TAG_KEY (no code reads it).
  const expectedEnv = (serviceName: string) => ({
    TABLE_NAME: ref(stack.foundation.table),
    OUTPUT_LOG_GROUP: ref(stack.mitigation.outputLogGroup),
    AUTOMATION_ROLE_ARN: arnOf(stack.mitigation.automationRole),
    // Both build the workflow, whose scheduler reads these; only track schedules (a rollback awaiting approval).
    ...(stack.resolve(stack.workflow.schedulingEnvironment) as Record<string, unknown>),
    POWERTOOLS_SERVICE_NAME: serviceName,
    POWERTOOLS_METRICS_NAMESPACE: 'Firebreak',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });

  it('run Node.js 22 on arm64 with exactly their environment, retries and the DLQ', () => {
    for (const [fn, name] of [
      [stack.mitigation.executeFunction, 'firebreak-execute'],
      [stack.mitigation.trackFunction, 'firebreak-track'],
    ] as const) {
      expect(props(fn), name).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Timeout: 60,
      });
      expect(props(fn).DeadLetterConfig, name).toBeUndefined();
      expect(env(fn), name).toEqual(expectedEnv(name));
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: ref(fn),
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 7200,
        DestinationConfig: { OnFailure: { Destination: arnOf(stack.foundation.deadLetterQueue) } },
      });
    }
  });

  it('gives slack what /firebreak cancel needs to build the executor', () => {
    expect(env(stack.slack.slackFunction)).toMatchObject({
      OUTPUT_LOG_GROUP: ref(stack.mitigation.outputLogGroup),
      AUTOMATION_ROLE_ARN: arnOf(stack.mitigation.automationRole),
    });
    expect(env(stack.slack.slackFunction)).not.toHaveProperty('FLEET_TAG_KEY');
  });

  it("lets only execute send commands: on the catalog's Command documents, and on instances carrying the fleet tag", () => {
    const commandDocs = [...new Set(config.mitigations.filter((m) => m.kind === 'command').map((m) => m.document))].sort();
    expect(commandDocs).toContain('AWS-RunPatchBaseline');
    const expectedDocs = commandDocs.map((name) =>
      name.startsWith('AWS-') ? arnJoin('ssm', `:document/${name}`, 'none') : arnJoin('ssm', `:document/${name}`),
    );
    const grants = allStatementsFor('ssm:SendCommand');
    expect(grants.map(({ roles }) => roles)).toEqual([
      [ref(stack.mitigation.executeFunction.executionRole)],
      [ref(stack.mitigation.executeFunction.executionRole)],
    ]);
    const sorted = (list: unknown) =>
      [list]
        .flat()
        .map((x) => JSON.stringify(x))
        .sort();
    expect(sorted(grants[0]!.s.Resource)).toEqual(sorted(expectedDocs));
    expect(grants.map(({ s }) => s)).toEqual([
      { Action: 'ssm:SendCommand', Effect: 'Allow', Resource: grants[0]!.s.Resource },
      {
        Action: 'ssm:SendCommand',
        Effect: 'Allow',
        Resource: arnJoin('ec2', ':instance/*'),
        Condition: { StringLike: { [`ssm:resourceTag/${config.fleet.tagKey}`]: '*' } },
      },
    ]);
  });

  it("lets only execute start the catalog's runbooks, passing only the automation role and only to SSM", () => {
    const runbooks = [...new Set(config.mitigations.filter((m) => m.kind === 'automation').map((m) => m.document))].sort();
    const starts = allStatementsFor('ssm:StartAutomationExecution');
    const byJson = (list: unknown[]) => list.map((x) => JSON.stringify(x)).sort();
    expect(starts).toEqual([
      {
        roles: [ref(stack.mitigation.executeFunction.executionRole)],
        s: { Action: 'ssm:StartAutomationExecution', Effect: 'Allow', Resource: expect.any(Array) },
      },
    ]);
    // AWS-managed runbooks have no account in their ARN.
    expect(byJson(starts[0]!.s.Resource as unknown[])).toEqual(
      byJson(
        runbooks.map((name) => arnJoin('ssm', `:automation-definition/${name}:*`, name.startsWith('AWS-') ? 'none' : 'this')),
      ),
    );
    const passes = allStatementsFor('iam:PassRole').filter(
      ({ s }) => JSON.stringify(s.Resource) === JSON.stringify(arnOf(stack.mitigation.automationRole)),
    );
    expect(passes).toEqual([
      {
        roles: [ref(stack.mitigation.executeFunction.executionRole)],
        s: {
          Action: 'iam:PassRole',
          Effect: 'Allow',
          Resource: arnOf(stack.mitigation.automationRole),
          Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
        },
      },
    ]);
    expect(
      statementsOf(stack.mitigation.executeFunction.executionRole).filter((s) => actionsOf(s).includes('iam:PassRole')),
    ).toHaveLength(1);
  });

  it('lets slack (only) cancel commands and stop automations: execute only starts runs', () => {
    const cancelling = [stack.slack.slackFunction].map((fn) => [ref(fn.executionRole)]);
    for (const action of ['ssm:CancelCommand', 'ssm:StopAutomationExecution']) {
      expect(
        allStatementsFor(action).map(({ roles }) => roles),
        action,
      ).toEqual(cancelling);
    }
    for (const { s } of allStatementsFor('ssm:StopAutomationExecution'))
      expect(s.Resource).toEqual(arnJoin('ssm', ':automation-execution/*'));
  });

  it('gives execute no EC2 access and no scheduling, and track no EC2 or Lambda access and only one read of Systems Manager', () => {
    expect(
      statementsOf(stack.mitigation.executeFunction.executionRole)
        .flatMap(actionsOf)
        .filter((a) => /^(ec2|scheduler|lambda):/.test(a)),
    ).toEqual([]);
    const track = statementsOf(stack.mitigation.trackFunction.executionRole);
    expect(track.flatMap(actionsOf).filter((a) => /^(ec2|lambda):/.test(a))).toEqual([]);
    // The child executions of an automation run (their targets and statuses); the action takes no resource but `*`.
    // (CDK merges it into the statement of X-Ray's actions, which take `*` too.)
    expect(track.flatMap(actionsOf).filter((a) => a.startsWith('ssm:'))).toEqual(['ssm:DescribeAutomationExecutions']);
    expect(track.filter((s) => actionsOf(s).includes('ssm:DescribeAutomationExecutions'))).toEqual([
      {
        Action: ['ssm:DescribeAutomationExecutions', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
        Effect: 'Allow',
        Resource: '*',
      },
    ]);
    expect(allStatementsFor('ssm:DescribeAutomationExecutions').map(({ roles }) => roles)).toEqual([
      [ref(stack.mitigation.trackFunction.executionRole)],
    ]);
    // No IAM or Scheduler access: a failed run's rollback is requested by propose, from the failure's announcement.
    expect(track.filter((s) => actionsOf(s).some((a) => /^(iam|scheduler):/.test(a)))).toEqual([]);
  });

  it('does not let execute or track read the Slack secret', () => {
    for (const fn of [stack.mitigation.executeFunction, stack.mitigation.trackFunction]) {
      expect(
        statementsOf(fn.executionRole)
          .flatMap(actionsOf)
          .filter((a) => a.startsWith('secretsmanager:')),
        fn.node.path,
      ).toEqual([]);
    }
  });
});

describe('automation role', () => {
  const role = () => stack.mitigation.automationRole;
  const fleetTagged = () => ({ StringLike: { [`aws:ResourceTag/${config.fleet.tagKey}`]: '*' } });

  it('can be assumed only by Systems Manager, for automation executions of this account', () => {
    expect(props(role()).AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'ssm.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': arnJoin('ssm', ':automation-execution/*') },
          },
        },
      ],
    });
    expect(props(role()).ManagedPolicyArns).toBeUndefined();
  });

  it('reads instances, and changes only fleet-tagged instances, Firebreak-tagged snapshots and groups in the quarantine VPC', () => {
    const instances = arnJoin('ec2', ':instance/*');
    const snapshots = arnJoin('ec2', ':snapshot/*', 'none');
    const statements = statementsOf(role());
    const grants = statements.flatMap((s) =>
      actionsOf(s).map((action) => ({ action, resource: s.Resource, condition: s.Condition })),
    );
    const find = (action: string, resource: unknown) =>
      grants
        .filter((g) => g.action === action && JSON.stringify(g.resource) === JSON.stringify(resource))
        .map((g) => g.condition);

    expect(find('ec2:DescribeInstances', '*')).toEqual([undefined]);
    expect(find('ec2:CreateSnapshots', instances)).toEqual([fleetTagged()]);
    expect(find('ec2:CreateSnapshots', arnJoin('ec2', ':volume/*'))).toEqual([undefined]);
    expect(find('ec2:CreateSnapshots', snapshots)).toEqual([
      { StringLike: { 'aws:RequestTag/firebreak:isolated-instance': 'i-*' } },
    ]);
    expect(find('ec2:CreateTags', snapshots)).toEqual([{ StringEquals: { 'ec2:CreateAction': 'CreateSnapshots' } }]);
    const onlyPreviousGroupsTag = {
      ...fleetTagged(),
      'ForAllValues:StringEquals': { 'aws:TagKeys': [PREVIOUS_GROUPS_TAG] },
      Null: { 'aws:TagKeys': 'false' },
    };
    expect(find('ec2:CreateTags', instances)).toEqual([onlyPreviousGroupsTag]);
    expect(find('ec2:DeleteTags', instances)).toEqual([onlyPreviousGroupsTag]);
    expect(find('ec2:ModifyInstanceAttribute', instances)).toEqual([fleetTagged()]);
    expect(find('ec2:ModifyInstanceAttribute', arnJoin('ec2', ':security-group/*'))).toEqual([
      { StringEquals: { 'ec2:Vpc': arnJoin('ec2', `:vpc/${VPC_ID}`) } },
    ]);
    // Nothing else: every grant above and the catalog's scoped response actions (tested above), no other action or resource.
    const responses = [
      'ec2:RevokeSecurityGroupIngress',
      'iam:UpdateAccessKey',
      'iam:DetachRolePolicy',
      'cloudtrail:StartLogging',
    ];
    const s3 = ['s3:PutBucketPublicAccessBlock', 's3:GetBucketPublicAccessBlock'];
    expect(grants.filter((g) => ![...responses, ...s3].includes(g.action))).toHaveLength(9);
    expect(grants).toHaveLength(9 + responses.length + s3.length);
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
  });
});

describe('execute and track rules', () => {
  const envelope = (source: string, detailType: string, detail: Record<string, unknown> = {}) => ({
    version: '0',
    id: '8b0e3a52-1d7c-4b8e-9f2a-0c6d5e4f3a21',
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: '2026-03-01T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  });
  const patternOf = (rule: IConstruct) => props(rule).EventPattern as EventPattern;
  /** Every rule in the stack, by a readable name, with its synthesized pattern. */
  const allRules = () =>
    Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Events::Rule')
      .map(([id, r]) => [id, r.Properties.EventPattern as EventPattern] as const);
  const matching = (event: unknown) =>
    allRules()
      .filter(([, pattern]) => matchesPattern(pattern, event))
      .map(([id]) => id);

  it('feeds execute from the firebreak bus and track from the default bus, with the shared patterns verbatim', () => {
    expect(props(stack.mitigation.executeRule)).toMatchObject({
      EventBusName: ref(stack.foundation.bus),
      EventPattern: EXECUTE_PATTERN,
    });
    expect(EXECUTE_PATTERN).toEqual({ source: ['firebreak'], 'detail-type': ['Mitigation Approved'] });
    expect(props(stack.mitigation.trackRule).EventBusName).toBeUndefined();
    expect(props(stack.mitigation.trackRule).EventPattern).toEqual(SSM_STATUS_PATTERN);
    expect(SSM_STATUS_PATTERN).toEqual({ source: ['aws.ssm'], 'detail-type': Object.values(SSM_STATUS_DETAIL_TYPES) });
  });

  it('targets each function with the DLQ, explicit retries and a maximum event age', () => {
    for (const [rule, fn] of [
      [stack.mitigation.executeRule, stack.mitigation.executeFunction],
      [stack.mitigation.trackRule, stack.mitigation.trackFunction],
    ] as const) {
      expect(props(rule).Targets).toEqual([
        {
          Id: 'Target0',
          Arn: arnOf(fn),
          DeadLetterConfig: { Arn: arnOf(stack.foundation.deadLetterQueue) },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        },
      ]);
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: arnOf(fn),
        Principal: 'events.amazonaws.com',
        SourceArn: arnOf(rule),
      });
    }
  });

  const fixtures = readdirSync(FIXTURES).filter((file) => file.endsWith('.json'));
  const ssmFixtures = fixtures.filter((file) => file.startsWith('ssm-'));
  const event = (file: string): unknown => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));

  it('has SSM samples of all three status events', () => {
    const detailTypes = new Set(ssmFixtures.map((file) => (event(file) as { 'detail-type': string })['detail-type']));
    expect([...detailTypes].sort()).toEqual(Object.values(SSM_STATUS_DETAIL_TYPES).sort());
  });

  it.each(ssmFixtures)('%s reaches track and no other rule', (file) => {
    expect(matching(event(file))).toEqual([logicalId(stack.mitigation.trackRule)]);
    expect(matchesPattern(SSM_STATUS_PATTERN, event(file))).toBe(true);
  });

  it.each(fixtures.filter((file) => !file.startsWith('ssm-')))('%s reaches neither track nor execute', (file) => {
    expect(matchesPattern(patternOf(stack.mitigation.trackRule), event(file))).toBe(false);
    expect(matchesPattern(patternOf(stack.mitigation.executeRule), event(file))).toBe(false);
  });

  it('delivers Mitigation Approved from Firebreak to execute only, and nothing else Firebreak says', () => {
    expect(
      matching(
        envelope(FIREBREAK_SOURCE, MitigationApproved.detailType, {
          incidentId: 'INC-B2D7BC30C6',
          requestId: 'MIT-0123456789',
        }),
      ),
    ).toEqual([logicalId(stack.mitigation.executeRule)]);
    expect(matchesPattern(EXECUTE_PATTERN, envelope('firebreak.monitor.uptime', MitigationApproved.detailType))).toBe(false);
    for (const detailType of BUS_EVENTS.map((event) => event.detailType).filter((t) => t !== MitigationApproved.detailType)) {
      expect(matchesPattern(EXECUTE_PATTERN, envelope(FIREBREAK_SOURCE, detailType)), detailType).toBe(false);
      expect(matchesPattern(SSM_STATUS_PATTERN, envelope(FIREBREAK_SOURCE, detailType)), detailType).toBe(false);
    }
    // SSM's status events sent by anyone else (a custom monitor spoofing the detail type) do not reach track.
    expect(matchesPattern(SSM_STATUS_PATTERN, envelope('firebreak.monitor.x', SSM_STATUS_DETAIL_TYPES.command))).toBe(false);
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('reports no unacknowledged findings', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('acknowledges the mitigation findings where they arise, each with a written reason', () => {
    const acknowledged = new Map<string, string>();
    for (const entry of stack.mitigation.node.findAll().flatMap((c) => c.node.metadata.map((m) => ({ path: c.node.path, m })))) {
      if (entry.m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.m.data as Record<string, string>))
        acknowledged.set(`${entry.path.replace('Firebreak/Mitigation/', '')} ${id.replace(/^Annotation::/, '')}`, reason);
    }
    for (const [id, reason] of acknowledged) expect(reason.length, id).toBeGreaterThan(60);
    const automationAcks = [...acknowledged.keys()].filter((id) => id.startsWith('AutomationRole ')).sort();
    expect(automationAcks).toEqual(
      [
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudtrail:*:<AWS::AccountId>:trail/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:security-group/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*]',
      ]
        .map((id) => `AutomationRole ${id}`)
        .sort(),
    );
    expect([...acknowledged.keys()]).toContain(
      'ExecuteRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
    );
  });
});
