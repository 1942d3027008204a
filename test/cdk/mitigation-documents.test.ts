/** Fleet mitigation in the stack: its configuration, the SSM documents, and the catalog agreeing with them (set-up: mitigation-stack.ts). */

import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../functions/core/config.ts';

import { catalogProblems, PREVIOUS_GROUPS_TAG, shippedDocuments } from '../../lib/documents/index.ts';
import { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { actionsOf, newApp } from './synth.ts';
import {
  VPC_ID,
  rawConfig,
  withFleet,
  config,
  stack,
  resources,
  commandDocuments,
  allAutomationDocuments,
  automationDocuments,
  documentNamed,
  logicalId,
  ref,
  arnOf,
  statementsOf,
  type CommandContent,
  type AutomationContent,
  useMitigationStack,
} from './mitigation-stack.ts';

useMitigationStack();

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
