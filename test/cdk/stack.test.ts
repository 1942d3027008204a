import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentRules } from '../../functions/core/deployments/deployment-sources.ts';
import { ingestRules } from '../../functions/core/events/ingest-rules.ts';
import { type EventPattern } from '../../functions/core/events/bus.ts';
import { matchesPattern } from '../../functions/local/pattern-matcher.ts';
import { ConfigError, loadConfig, type FirebreakConfig } from '../../lib/config.ts';
import { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { CDK_CONTEXT, FIXTURES, ROOT, synthesize, templateReaders, type Resource, unacknowledgedFindings } from './synth.ts';
import { CONTROL_TOWER_ACKNOWLEDGEMENTS, ControlTowerChecks } from '../../lib/policy/control-tower.ts';

let config: FirebreakConfig;
let app: App;
let stack: FirebreakStack;
let template: Template;
let resources: Record<string, Resource>;

const { logicalId, ref, arnOf } = templateReaders(() => ({ stack, resources }));

beforeAll(() => {
  config = loadConfig(join(ROOT, 'firebreak.config.json'));
  ({ app, stack, template, resources } = synthesize(config));
});

describe('event bus and rules', () => {
  it('creates the firebreak bus', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'firebreak' });
  });

  it('creates one rule per ingest pattern, with the shared pattern verbatim, on the bus it names', () => {
    const expected = ingestRules(config);
    // Plus the notify and propose rules on the firebreak bus (test/cdk/slack.test.ts), the deployment rules
    // (test/cdk/deployments.test.ts), the execute and track rules (test/cdk/mitigation.test.ts) and the
    // freeze rule (test/cdk/release-rules.test.ts), the maintenance function's two and the review's own events
    // (test/cdk/maintenance-review.test.ts).
    template.resourceCountIs('AWS::Events::Rule', expected.length + 2 + deploymentRules().length + 2 + 1 + 2 + 1);
    for (const ingest of expected) {
      const rule = stack.ingestion.rules.get(ingest.id);
      expect(rule, ingest.id).toBeDefined();
      const properties = resources[logicalId(rule!)]!.Properties;
      expect(properties.EventPattern, ingest.id).toEqual(ingest.pattern);
      if (ingest.bus === 'firebreak') expect(properties.EventBusName, ingest.id).toEqual(ref(stack.foundation.bus));
      else expect(properties.EventBusName, ingest.id).toBeUndefined();
    }
  });

  it('targets ingest with a DLQ, explicit retries and a maximum event age on every rule', () => {
    for (const rule of stack.ingestion.rules.values()) {
      expect(resources[logicalId(rule)]!.Properties.Targets).toEqual([
        {
          Id: 'Target0',
          Arn: arnOf(stack.ingestion.ingestFunction),
          DeadLetterConfig: { Arn: arnOf(stack.foundation.deadLetterQueue) },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        },
      ]);
    }
  });

  it('lets each rule, and only the rules, invoke ingest and write to the DLQ', () => {
    const ingestPermissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (permission) =>
        JSON.stringify(permission.Properties.FunctionName) === JSON.stringify(arnOf(stack.ingestion.ingestFunction)),
    );
    expect(ingestPermissions).toHaveLength(stack.ingestion.rules.size);
    for (const rule of stack.ingestion.rules.values()) {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: arnOf(rule),
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'sqs:SendMessage',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': arnOf(rule) } },
            }),
          ]),
        },
      });
    }
  });
});

describe('rule patterns against the sample events', () => {
  /** Which rule each AWS sample event must reach; every other fixture must reach none. */
  const expectedRule = (file: string): string | undefined =>
    [
      ['cloudwatch-alarm-', 'CloudWatchAlarm'],
      ['guardduty-finding-', 'GuardDutyFinding'],
      ['securityhub-findings-imported-', 'SecurityHubFinding'],
      ['inspector2-finding-', 'InspectorFinding'],
      ['health-', 'HealthEvent'],
      ['ec2-instance-state-change-', 'Ec2StateChange'],
      ['cloudtrail-authorize-security-group-', 'CloudTrailEc2'],
      ['cloudtrail-create-security-group-', 'CloudTrailEc2'],
      ['cloudtrail-attach-role-policy-', 'CloudTrailIam'],
      ['cloudtrail-stop-logging-', 'CloudTrailCloudtrail'],
      ['cloudtrail-delete-public-access-block-', 'CloudTrailS3'],
      ['cloudtrail-schedule-key-deletion-', 'CloudTrailKms'],
      ['cloudtrail-delete-detector-', 'CloudTrailGuardduty'],
      ['cloudtrail-disable-security-hub-', 'CloudTrailSecurityhub'],
      ['cloudtrail-stop-configuration-recorder-', 'CloudTrailConfig'],
      ['cloudtrail-detach-policy-organizations-', 'CloudTrailOrganizations'],
      ['cloudtrail-create-bucket-root-', 'CloudTrailRootUse'],
      ['signin-console-login-', 'ConsoleSignIn'],
      ['config-rules-compliance-change-', 'ConfigCompliance'],
    ].find(([prefix]) => file.startsWith(prefix!))?.[1];

  const fixtures = readdirSync(FIXTURES).filter((file) => file.endsWith('.json'));
  const event = (file: string): unknown => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));

  /** The rules whose synthesized pattern (read back from the template) matches the event. */
  const matchingRules = (evt: unknown) =>
    [...stack.ingestion.rules]
      .filter(([, rule]) => matchesPattern(resources[logicalId(rule)]!.Properties.EventPattern as EventPattern, evt))
      .map(([id]) => id);

  it.each(fixtures)('%s reaches exactly its own rule', (file) => {
    const expected = expectedRule(file);
    expect(matchingRules(event(file))).toEqual(expected ? [expected] : []);
  });

  it('has a sample event for every AWS-source rule', () => {
    const covered = new Set(fixtures.map(expectedRule));
    const awsRules = ingestRules(config).filter((rule) => rule.bus === 'default');
    expect(awsRules.filter((rule) => !covered.has(rule.id)).map((rule) => rule.id)).toEqual([]);
  });

  const envelope = (source: string, detailType: string, detail: Record<string, unknown>) => ({
    version: '0',
    id: '5f1b8e1c-2d3e-4f50-8a6b-7c8d9e0f1a2b',
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: '2025-11-20T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  });

  it('routes a custom monitor event to the custom monitor rule only', () => {
    const monitor = envelope('firebreak.monitor.datadog', 'Monitor Alert', {
      title: 'p99 latency above 2s on checkout',
      severity: 'high',
    });
    expect(matchingRules(monitor)).toEqual(['CustomMonitor']);
  });

  it('never feeds Firebreak its own events (no loops)', () => {
    for (const detailType of ['Incident Opened', 'Incident Updated', 'Incident Resolved', 'Mitigation Approved']) {
      expect(matchingRules(envelope('firebreak', detailType, { incidentId: 'inc-1' })), detailType).toEqual([]);
    }
  });
});

describe('event store', () => {
  it('keeps the logical ids the deployed stateful resources were created with, so an update never replaces them', () => {
    // Created under Store, Ingestion and Slack before the Foundation gathered them: a new logical id
    // would mean a new empty table (the old one retained), a bus and a secret whose fixed names are taken.
    const expected: Array<[IConstruct, string, string]> = [
      [stack.foundation.key, 'StoreKey7A3C02BD', 'AWS::KMS::Key'],
      [stack.foundation.table, 'StoreTable0CCFA19B', 'AWS::DynamoDB::Table'],
      [stack.foundation.bus, 'IngestionBus3E30EA7C', 'AWS::Events::EventBus'],
      [stack.foundation.deadLetterQueue, 'IngestionDeadLetterQueueEB97306D', 'AWS::SQS::Queue'],
      [
        stack.foundation.deadLetterQueue.node.findChild('Policy'),
        'IngestionDeadLetterQueuePolicy4E17AA9F',
        'AWS::SQS::QueuePolicy',
      ],
      [stack.foundation.slackSecret, 'SlackSecret0D48E608', 'AWS::SecretsManager::Secret'],
    ];
    for (const [construct, id, type] of expected) {
      expect(logicalId(construct), construct.node.path).toBe(id);
      expect(resources[id]?.Type, id).toBe(type);
    }
  });

  it('encrypts the table with a rotating customer key that is retained', () => {
    // The store key, the logs key, and the notary's signing key and digest key (test/cdk/notary.test.ts).
    template.resourceCountIs('AWS::KMS::Key', 4);
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('creates the one table: on-demand, PITR, customer-key SSE, TTL, byStatus GSI, retained and protected', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: arnOf(stack.foundation.key) },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        DeletionProtectionEnabled: true,
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byStatus',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      },
    });
  });
});

describe('ingest function', () => {
  it('runs Node.js 22 on arm64 with the house defaults', () => {
    // ingest, plus slack, notify and escalate (test/cdk/slack.test.ts), deployments (test/cdk/deployments.test.ts),
    // execute and track (test/cdk/mitigation.test.ts), relay and notary (test/cdk/notary.test.ts), maintenance, review.
    template.resourceCountIs('AWS::Lambda::Function', 13);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 30,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: ref(stack.ingestion.ingestFunction.logGroup) },
      Environment: {
        Variables: {
          TABLE_NAME: ref(stack.foundation.table),
          POWERTOOLS_SERVICE_NAME: 'firebreak-ingest',
          POWERTOOLS_METRICS_NAMESPACE: 'Firebreak',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
      },
    });
  });

  it('retries a failed handler twice, then dead-letters the event', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(stack.ingestion.ingestFunction),
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 7200,
      // An on-failure record names the function, so `firebreak dlq redrive` knows where to send it back.
      DestinationConfig: { OnFailure: { Destination: arnOf(stack.foundation.deadLetterQueue) } },
    });
  });

  it('keeps its logs a year in its own log group', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('has a role without managed policies', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
    });
  });

  it('gets least-privilege grants: its log group, the table, the key, the DLQ; no PutEvents (the outbox relay publishes)', () => {
    const ingestRole = ref(stack.ingestion.ingestFunction.executionRole);
    const statements = Object.values(resources)
      .filter(
        (resource) =>
          resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties.Roles) === JSON.stringify([ingestRole]),
      )
      .flatMap(
        (resource) =>
          (resource.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> })
            .Statement,
      );
    const grantsOf = (action: string) => statements.filter((s) => [s.Action].flat().includes(action)).map((s) => s.Resource);

    expect(grantsOf('events:PutEvents')).toEqual([]);
    expect(grantsOf('logs:PutLogEvents')).toEqual([arnOf(stack.ingestion.ingestFunction.logGroup)]);
    expect(grantsOf('sqs:SendMessage')).toEqual([arnOf(stack.foundation.deadLetterQueue)]);
    expect(grantsOf('kms:Encrypt')).toEqual([arnOf(stack.foundation.key)]);
    expect(grantsOf('kms:Decrypt')).toEqual([arnOf(stack.foundation.key)]);
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem']) {
      expect(grantsOf(action), action).toEqual([
        [arnOf(stack.foundation.table), { 'Fn::Join': ['', [arnOf(stack.foundation.table), '/index/*']] }],
      ]);
    }
    // The only unscoped resource is X-Ray's, which has no resource-level permissions.
    const unscoped = statements.filter((s) => s.Resource === '*').flatMap((s) => [s.Action].flat());
    expect(unscoped.sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });
});

describe('dead-letter queues', () => {
  it("the shared one, the relay's and the notary's are encrypted, keep messages 14 days and refuse plain HTTP", () => {
    template.resourceCountIs('AWS::SQS::Queue', 3);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('outputs', () => {
  it('exports the bus name, the table name and the DLQ url', () => {
    template.hasOutput('EventBusName', { Value: ref(stack.foundation.bus) });
    template.hasOutput('TableName', { Value: ref(stack.foundation.table) });
    template.hasOutput('DeadLetterQueueUrl', { Value: ref(stack.foundation.deadLetterQueue) });
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('reports no unacknowledged findings', () => {
    expect(unacknowledgedFindings(app)).toEqual([]);
  });

  it('gives every acknowledgement a specific written reason', () => {
    const acknowledged: Array<[string, string]> = [];
    const visit = (construct: IConstruct) => {
      for (const entry of construct.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          acknowledged.push(...Object.entries(entry.data as Record<string, string>));
      }
      construct.node.children.forEach(visit);
    };
    visit(stack);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged) expect(reason.length, id).toBeGreaterThan(60);
  });
});

describe('AWS Control Tower proactive controls (cfn-guard)', () => {
  // cfn-guard runs as a child process over the whole template: slow on a busy machine.
  it('reports no unacknowledged findings on the synthesized template', { timeout: 300_000 }, () => {
    const assembly = app.synth();
    const report = new ControlTowerChecks().validate({
      templatePaths: assembly.stacks.map((s) => s.templateFullPath),
      appConstruct: app,
    });
    const findings = report.violations.map(
      (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.resourceLogicalId ?? r.locations[0]).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('fixes what fits: log groups encrypted with the logs key and kept a year, grants only for AWS resources, SourceAccount on the API permission', () => {
    const logsKey = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::KMS::Key' && id.startsWith('LogsKey'))![0];
    const logGroups = Object.values(resources).filter((r) => r.Type === 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThan(8);
    for (const group of logGroups) {
      expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [logsKey, 'Arn'] });
      expect(group.Properties.RetentionInDays).toBe(365);
    }
    for (const [, key] of Object.entries(resources).filter(([, r]) => r.Type === 'AWS::KMS::Key')) {
      const statements = (key.Properties.KeyPolicy as { Statement: Array<Record<string, unknown>> }).Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'kms:CreateGrant',
          Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
        }),
      );
    }
    const permissions = Object.values(resources).filter(
      (r) => r.Type === 'AWS::Lambda::Permission' && r.Properties.Principal === 'apigateway.amazonaws.com',
    );
    expect(permissions.length).toBe(1);
    for (const p of permissions) expect(p.Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
  });

  it('gives every acknowledgement a written reason, on its own resource', () => {
    const acknowledged = Object.values(resources).flatMap((r) =>
      Object.entries(
        ((r as { Metadata?: Record<string, unknown> }).Metadata?.[CONTROL_TOWER_ACKNOWLEDGEMENTS] ?? {}) as Record<
          string,
          string
        >,
      ),
    );
    expect(new Set(acknowledged.map(([rule]) => rule))).toEqual(
      new Set([
        'api_gw_v2_authorization_type_configured_check',
        'cloudwatch_alarm_action_check',
        'lambda_function_public_access_prohibited_check',
        'lambda_inside_vpc_check',
        's3_bucket_default_encryption_kms_check',
        's3_bucket_logging_enabled_check',
        's3_event_notifications_enabled_check',
        's3_bucket_object_lock_enabled_check',
        's3_lifecycle_policy_check',
        's3_version_lifecycle_policy_check',
        'sqs_dlq_check',
      ]),
    );
    for (const [rule, reason] of acknowledged) expect(reason.length, rule).toBeGreaterThan(60);
  });
});

describe('configuration', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const raw = () =>
    JSON.parse(readFileSync(join(ROOT, 'firebreak.config.json'), 'utf8')) as {
      classification: { rules: Array<Record<string, unknown>> };
    };

  it('rejects a bad rule severity, naming the field', () => {
    const bad = raw();
    bad.classification.rules[0]!.severity = 'SEV9';
    const path = write('bad-severity.json', JSON.stringify(bad));
    expect(() => loadConfig(path)).toThrow(ConfigError);
    expect(() => loadConfig(path)).toThrow(`classification.rules[${JSON.stringify(bad.classification.rules[0]!.name)}].severity`);
  });

  it('rejects invalid JSON, naming the file', () => {
    const path = write('broken.json', '{ "slack": ');
    expect(() => loadConfig(path)).toThrow(ConfigError);
    expect(() => loadConfig(path)).toThrow(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\n.*not valid JSON`));
  });

  it('rejects a missing file, naming it', () => {
    expect(() => loadConfig(join(dir, 'nope.json'))).toThrow(/nope\.json.*\n.*file not found/);
  });
});

describe('bundling', () => {
  it('bundles ingest as ESM with the createRequire banner and the configuration baked in', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'firebreak-synth-'));
    try {
      const bundled = new App({ outdir, context: CDK_CONTEXT });
      const bundledStack = new FirebreakStack(bundled, 'Firebreak', { config });
      bundled.synth();
      const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
      // One bundle per function: ingest, slack, notify, escalate, propose, deployments, freeze, execute, track, relay, notary, maintenance, review.
      expect(assets).toHaveLength(13);
      for (const asset of assets) {
        expect(
          readFileSync(join(outdir, asset, 'index.mjs'), 'utf8').startsWith("import { createRequire } from 'module';"),
          asset,
        ).toBe(true);
      }
      const synthesized = JSON.parse(readFileSync(join(outdir, 'Firebreak.template.json'), 'utf8')) as {
        Resources: Record<string, Resource>;
      };
      const ingestId = bundledStack.getLogicalId(bundledStack.ingestion.ingestFunction.node.defaultChild as CfnElement);
      const ingestCode = synthesized.Resources[ingestId]!.Properties.Code as { S3Key: string };
      const ingestAsset = `asset.${ingestCode.S3Key.replace(/\.zip$/, '')}`;
      expect(assets).toContain(ingestAsset);
      const code = readFileSync(join(outdir, ingestAsset, 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);")).toBe(
        true,
      );
      expect(code).not.toContain('process.env.FIREBREAK_CONFIG');
      expect(code).toContain(config.slack.teamId);
      expect(readdirSync(join(outdir, ingestAsset))).toContain('index.mjs.map');
      // Maps without inlined sources; the receivers Bolt's App requires but Firebreak never builds are replaced.
      const map = JSON.parse(readFileSync(join(outdir, ingestAsset, 'index.mjs.map'), 'utf8')) as { sourcesContent?: unknown };
      expect(map.sourcesContent).toBeUndefined();
      const slackId = bundledStack.getLogicalId(bundledStack.slack.slackFunction.node.defaultChild as CfnElement);
      const slackKey = (synthesized.Resources[slackId]!.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
      const slackCode = readFileSync(join(outdir, `asset.${slackKey}`, 'index.mjs'), 'utf8');
      expect(slackCode).toContain('not in this bundle: Firebreak functions use only AwsLambdaReceiver');
      expect(slackCode).not.toMatch(/iconv-lite|x-powered-by|WebSocket/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
    // Nine real esbuild bundles: about a minute on a busy 2-core machine.
  }, 300_000);
});
