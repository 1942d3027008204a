/** Fleet mitigation in the stack: the quarantine group, the diagnostics bucket, Run Command output, the execute and track functions and the automation role (set-up: mitigation-stack.ts). */

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config.ts';

import { MITIGATION_OUTPUT_LOG_GROUP, NO_QUARANTINE_WARNING } from '../../lib/constructs/fleet-resources.ts';
import { PREVIOUS_GROUPS_TAG } from '../../lib/documents/index.ts';
import { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { actionsOf, arnJoin, newApp } from './synth.ts';
import {
  VPC_ID,
  rawConfig,
  config,
  stack,
  template,
  resources,
  env,
  logicalId,
  ref,
  arnOf,
  props,
  statementsOf,
  allStatementsFor,
  type Statement,
  type AutomationContent,
  useMitigationStack,
} from './mitigation-stack.ts';

useMitigationStack();

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

  it('gives slack nothing of the executor: /firebreak cancel reaches execute as an event', () => {
    for (const name of ['OUTPUT_LOG_GROUP', 'AUTOMATION_ROLE_ARN', 'FLEET_TAG_KEY'])
      expect(env(stack.slack.slackFunction)).not.toHaveProperty(name);
    expect(
      statementsOf(stack.slack.slackFunction.executionRole)
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('ssm:')),
    ).toEqual([]);
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

  it('lets execute (only) cancel commands and stop automations, on Mitigation Cancel Requested', () => {
    const cancelling = [stack.mitigation.executeFunction].map((fn) => [ref(fn.executionRole)]);
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
