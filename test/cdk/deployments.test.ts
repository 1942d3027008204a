import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEPLOYMENT_DETAIL_TYPES,
  DEPLOYMENT_SOURCE,
  deploymentRules,
} from '../../functions/core/deployments/deployment-sources.ts';
import { DeploymentSchema } from '../../functions/core/deployments/deploy-notice-schema.ts';
import { FIREBREAK_SOURCE, type EventPattern } from '../../functions/core/events/bus.ts';
import { BUS_EVENTS } from '../../functions/core/events/subscriptions.ts';
import { matchesPattern } from '../../functions/local/pattern-matcher.ts';
import type { FirebreakStack } from '../../lib/firebreak-stack.ts';
import {
  actionsOf,
  expectDeadLettersFrom,
  FIXTURES,
  synthesize,
  templateReaders,
  type Resource,
  unacknowledgedFindings,
} from './synth.ts';

let app: App;
let stack: FirebreakStack;
let template: Template;
let resources: Record<string, Resource>;

const { logicalId, ref, arnOf, props, statementsOf } = templateReaders(() => ({ stack, resources }));
/** The pattern of a rule as synthesized (read back from the template, not from the source). */
const patternOf = (rule: IConstruct) => props(rule).EventPattern as EventPattern;

beforeAll(() => {
  ({ app, stack, template, resources } = synthesize());
});

describe('deployment rules', () => {
  it('creates one rule per deployment source, with the shared pattern verbatim, on the bus it names', () => {
    const expected = deploymentRules();
    expect([...stack.deployments.rules.keys()]).toEqual(expected.map((rule) => rule.id));
    for (const deployment of expected) {
      const properties = props(stack.deployments.rules.get(deployment.id)!);
      expect(properties.EventPattern, deployment.id).toEqual(deployment.pattern);
      expect(properties.State, deployment.id).toBe('ENABLED');
      if (deployment.bus === 'firebreak') expect(properties.EventBusName, deployment.id).toEqual(ref(stack.foundation.bus));
      else expect(properties.EventBusName, deployment.id).toBeUndefined();
    }
  });

  it('puts the AWS sources on the default bus and only the custom Deployment event on the firebreak bus', () => {
    const onFirebreak = deploymentRules().filter((rule) => rule.bus === 'firebreak');
    expect(onFirebreak.map((rule) => rule.id)).toEqual(['CustomDeployment']);
    expect(onFirebreak[0]!.pattern).toEqual({ source: [DEPLOYMENT_SOURCE], 'detail-type': [DEPLOYMENT_DETAIL_TYPES.custom] });
  });

  it('targets deployments with the shared DLQ, explicit retries and a maximum event age on every rule', () => {
    for (const [id, rule] of stack.deployments.rules) {
      expect(props(rule).Targets, id).toEqual([
        {
          Id: 'Target0',
          Arn: arnOf(stack.deployments.deploymentsFunction),
          DeadLetterConfig: { Arn: arnOf(stack.foundation.deadLetterQueue) },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        },
      ]);
    }
  });

  it('lets each rule, and only the rules, invoke deployments and write to the DLQ', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (permission) =>
        JSON.stringify(permission.Properties.FunctionName) === JSON.stringify(arnOf(stack.deployments.deploymentsFunction)),
    );
    expect(
      permissions.map((p) => p.Properties.SourceArn).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual(
      [...stack.deployments.rules.values()].map(arnOf).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    for (const permission of permissions)
      expect(permission.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' });
    for (const rule of stack.deployments.rules.values()) {
      expectDeadLettersFrom(template, arnOf(rule));
    }
  });
});

describe('deployment rule patterns against the sample events', () => {
  /** Which deployment rule each AWS sample event must reach; every other fixture must reach none. */
  const expectedRule = (file: string): string | undefined =>
    [
      ['codepipeline-', 'CodePipelineExecution'],
      ['codedeploy-', 'CodeDeployDeployment'],
      ['ecs-deployment-', 'EcsServiceDeployment'],
      ['cloudformation-', 'CloudFormationStackResult'],
    ].find(([prefix]) => file.startsWith(prefix!))?.[1];

  const fixtures = readdirSync(FIXTURES).filter((file) => file.endsWith('.json'));
  const event = (file: string): unknown => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));

  const matchingDeploymentRules = (evt: unknown) =>
    [...stack.deployments.rules].filter(([, rule]) => matchesPattern(patternOf(rule), evt)).map(([id]) => id);
  /** Every other rule in the stack: ingest's and notify's. */
  const otherRules = () => [
    ...[...stack.ingestion.rules].map(([id, rule]) => [`ingest:${id}`, rule] as const),
    ['notify', stack.workflow.notifyRule] as const,
  ];
  const matchingOtherRules = (evt: unknown) =>
    otherRules()
      .filter(([, rule]) => matchesPattern(patternOf(rule), evt))
      .map(([id]) => id);

  it.each(fixtures)('%s reaches exactly its own deployment rule, or none', (file) => {
    const expected = expectedRule(file);
    expect(matchingDeploymentRules(event(file))).toEqual(expected ? [expected] : []);
  });

  it.each(fixtures.filter((file) => expectedRule(file)))('%s reaches no ingest or notify rule', (file) => {
    expect(matchingOtherRules(event(file))).toEqual([]);
  });

  it('has sample events for every AWS-source deployment rule, including a failure where the source has one', () => {
    const awsRules = deploymentRules().filter((rule) => rule.bus === 'default');
    for (const rule of awsRules)
      expect(
        fixtures.filter((file) => expectedRule(file) === rule.id),
        rule.id,
      ).not.toEqual([]);
    for (const prefix of ['codepipeline-', 'codedeploy-', 'ecs-deployment-']) {
      expect(
        fixtures.some((file) => file.startsWith(prefix) && file.includes('fail')),
        prefix,
      ).toBe(true);
    }
  });

  const envelope = (source: string, detailType: string, detail: Record<string, unknown>) => ({
    version: '0',
    id: '0d9c2b1e-7f3a-4c55-9b8e-2a1f0e6d5c4b',
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: '2026-03-01T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  });
  const notice = {
    service: 'checkout',
    version: 'v1.42.0',
    environment: 'production',
    status: 'failed',
    commit: '9f2c1ab',
    actor: 'dana',
    url: 'https://ci.example.com/runs/1',
  };

  it('routes a deploy-notice event to the custom Deployment rule, on the firebreak bus, and to nothing else', () => {
    expect(DeploymentSchema.safeParse(notice).success).toBe(true);
    const custom = envelope(DEPLOYMENT_SOURCE, DEPLOYMENT_DETAIL_TYPES.custom, notice);
    expect(matchingDeploymentRules(custom)).toEqual(['CustomDeployment']);
    expect(props(stack.deployments.rules.get('CustomDeployment')!).EventBusName).toEqual(ref(stack.foundation.bus));
    expect(matchingOtherRules(custom)).toEqual([]);
  });

  it("never feeds deployments Firebreak's own events, nor custom monitors, nor other detail types", () => {
    for (const detailType of [...BUS_EVENTS.map((event) => event.detailType), DEPLOYMENT_DETAIL_TYPES.custom]) {
      expect(matchingDeploymentRules(envelope(FIREBREAK_SOURCE, detailType, notice)), detailType).toEqual([]);
    }
    expect(matchingDeploymentRules(envelope('firebreak.monitor.ci', DEPLOYMENT_DETAIL_TYPES.custom, notice))).toEqual([]);
    expect(matchingDeploymentRules(envelope(DEPLOYMENT_SOURCE, 'Monitor Alert', notice))).toEqual([]);
    expect(matchingDeploymentRules(envelope(DEPLOYMENT_SOURCE, 'deployment', notice))).toEqual([]);
  });

  it('ignores states that are not a deployment result or start (STOPPING, READY, rollback steps, deletes)', () => {
    const at = (file: string, mutate: (detail: Record<string, unknown>) => void) => {
      const evt = event(file) as { detail: Record<string, unknown> };
      mutate(evt.detail);
      return matchingDeploymentRules(evt);
    };
    expect(at('codepipeline-pipeline-execution-succeeded.json', (d) => (d.state = 'STOPPING'))).toEqual([]);
    expect(at('codedeploy-deployment-success.json', (d) => (d.state = 'READY'))).toEqual([]);
    expect(
      at(
        'cloudformation-stack-status-change-create-complete.json',
        (d) => ((d['status-details'] as Record<string, unknown>).status = 'UPDATE_ROLLBACK_IN_PROGRESS'),
      ),
    ).toEqual([]);
    expect(
      at(
        'cloudformation-stack-status-change-create-complete.json',
        (d) => ((d['status-details'] as Record<string, unknown>).status = 'DELETE_COMPLETE'),
      ),
    ).toEqual([]);
  });
});

describe('deployments function', () => {
  const fn = () => stack.deployments.deploymentsFunction;

  it('runs Node.js 22 on arm64 with the house defaults and exactly its environment', () => {
    const properties = props(fn());
    expect(properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: ref(fn().logGroup) },
      Timeout: 60,
    });
    expect(properties.DeadLetterConfig).toBeUndefined();
    expect(properties.FunctionName).toBeUndefined();
    expect((properties.Environment as { Variables: Record<string, unknown> }).Variables).toEqual({
      TABLE_NAME: ref(stack.foundation.table),
      SLACK_SECRET_ARN: ref(stack.foundation.slackSecret),
      // It builds the workflow, whose scheduler reads these (test/cdk/function-environment.test.ts); it never schedules (below).
      ...(stack.resolve(stack.workflow.schedulingEnvironment) as Record<string, unknown>),
      POWERTOOLS_SERVICE_NAME: 'firebreak-deployments',
      POWERTOOLS_METRICS_NAMESPACE: 'Firebreak',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
  });

  it('retries a failed handler twice, then dead-letters the event', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(fn()),
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 7200,
      DestinationConfig: { OnFailure: { Destination: arnOf(stack.foundation.deadLetterQueue) } },
    });
  });

  it('keeps its logs a year in its own encrypted log group, with a role without managed policies', () => {
    expect(props(fn().logGroup)).toMatchObject({
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] },
    });
    expect(props(fn().executionRole).ManagedPolicyArns).toBeUndefined();
  });

  it('has only what it needs: its log group, the DLQ, the table, the key, the Slack secret', () => {
    const statements = statementsOf(fn().executionRole);
    const table = [arnOf(stack.foundation.table), { 'Fn::Join': ['', [arnOf(stack.foundation.table), '/index/*']] }];
    const byResource = new Map<string, string[]>();
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      expect(s.Condition).toBeUndefined();
      const key = JSON.stringify(s.Resource);
      byResource.set(key, [...(byResource.get(key) ?? []), ...actionsOf(s)].sort());
    }
    expect(Object.fromEntries(byResource)).toEqual({
      [JSON.stringify(arnOf(fn().logGroup))]: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      [JSON.stringify(arnOf(stack.foundation.deadLetterQueue))]: ['sqs:SendMessage'],
      [JSON.stringify('*')]: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
      [JSON.stringify(table)]: [
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:DescribeTable',
        'dynamodb:GetItem',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:UpdateItem',
      ],
      [JSON.stringify(arnOf(stack.foundation.key))]: [
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey*',
        'kms:ReEncrypt*',
      ],
      [JSON.stringify(ref(stack.foundation.slackSecret))]: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
    });
  });

  it('cannot schedule, pass roles or invoke functions', () => {
    const all = statementsOf(fn().executionRole).flatMap(actionsOf);
    expect(all.filter((a) => /^(scheduler|iam|lambda|ssm|sts):/.test(a))).toEqual([]);
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('reports no unacknowledged findings', () => {
    expect(unacknowledgedFindings(app)).toEqual([]);
  });

  it('acknowledges only the house findings on the deployments function, each with a written reason', () => {
    const acknowledged = new Map<string, string>();
    for (const construct of [stack.deployments.deploymentsFunction, stack.deployments.deploymentsFunction.executionRole]) {
      for (const entry of construct.node.findAll().flatMap((c) => c.node.metadata)) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>))
          acknowledged.set(id.replace(/^Annotation::/, ''), reason);
      }
    }
    expect([...acknowledged.keys()].sort()).toEqual(
      [
        'AwsSolutions-L1',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        `AwsSolutions-IAM5[Resource::<${logicalId(stack.foundation.table)}.Arn>/index/*]`,
      ].sort(),
    );
    for (const [id, reason] of acknowledged) expect(reason.length, id).toBeGreaterThan(60);
  });
});
