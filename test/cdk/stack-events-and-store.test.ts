/**
 * The event side of the stack: the firebreak bus, one ingest rule per shared pattern (each published
 * sample reaching exactly its rule, no loops), the one table, the ingest function and its least-privilege
 * grants, the dead-letter queues and the outputs (harness: stack-harness.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { deploymentRules } from '../../functions/core/deployments/deployment-sources.ts';
import { ingestRules } from '../../functions/core/events/ingest-rules.ts';
import { type EventPattern } from '../../functions/core/events/bus.ts';
import { matchesPattern } from '../../functions/local/pattern-matcher.ts';
import { expectDeadLettersFrom, FIXTURES } from './synth.ts';
import { config, stack, template, resources, logicalId, ref, arnOf, useSynthesizedStack } from './stack-harness.ts';

useSynthesizedStack();

describe('event bus and rules', () => {
  it('creates the firebreak bus', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'firebreak' });
  });

  it('creates one rule per ingest pattern, with the shared pattern verbatim, on the bus it names', () => {
    const expected = ingestRules(config);
    // Plus the notify and propose rules on the firebreak bus (test/cdk/slack-functions-and-schedules.test.ts), the
    // deployment rules (test/cdk/deployments.test.ts), the execute and track rules (test/cdk/mitigation.test.ts) and the
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
      expectDeadLettersFrom(template, arnOf(rule));
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
    // ingest, plus slack, notify and escalate (test/cdk/slack-functions-and-schedules.test.ts), deployments
    // (test/cdk/deployments.test.ts), execute and track (test/cdk/mitigation.test.ts), relay and notary
    // (test/cdk/notary.test.ts), maintenance, review.
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
