/**
 * Accuracy of the change watch: 10,000 labelled CloudTrail events (mostly routine work of the
 * deployment pipeline during its deployments and of allow-listed CloudFormation, read-only calls, a few risky changes by
 * people) through the deployed rule patterns and the real ingest on DynamoDB Local. Prints the
 * incidents opened, false positives and negatives against the labels, events/s and write units
 * per event. Runs inside `npm run bench`, or alone: `npx tsx bench/watch-accuracy.ts`.
 *
 * Labels come from how each event was generated, not from the watch list: an event is risky when a
 * person (not the pipeline, not CloudFormation) makes a write call; risky events with the same
 * actor, action and resource are one expected incident.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { FirebreakConfig } from '../functions/core/config.ts';
import type { DeploymentRecord } from '../functions/core/deployments/deployment-record.ts';
import type { EventEnvelope } from '../functions/core/signals/signal.ts';
import { startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';
import { meterDynamo } from './dynamo-meter.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../test/fixtures/events/${name}`, import.meta.url), 'utf8')) as EventEnvelope;

const PIPELINE = fixture('cloudtrail-attach-role-policy-pipeline-constructed.json').detail.userIdentity as {
  sessionContext: { sessionIssuer: { arn: string } };
};
const CLOUDFORMATION = fixture('cloudtrail-create-security-group-cloudformation-constructed.json').detail.userIdentity;
const person = (name: string) => ({
  type: 'IAMUser',
  principalId: `AIDA${name.toUpperCase()}EXAMPLE`,
  arn: `arn:aws:iam::123456789012:user/${name}`,
  accountId: '123456789012',
  accessKeyId: `AKIA${name.toUpperCase()}EXAMPLE`,
  userName: name,
});

type Actor = 'pipeline' | 'cloudformation' | 'person';
interface Labelled {
  readonly event: EventEnvelope;
  readonly risky: boolean;
  readonly actor: Actor;
}

/** One call: a template fixture with its actor, action, request and ids replaced. */
function call(
  i: number,
  template: string,
  actor: Actor,
  who: string,
  eventName: string,
  requestParameters: Record<string, unknown>,
  readOnly = false,
): Labelled {
  const event = structuredClone(fixture(template));
  const identity = actor === 'pipeline' ? PIPELINE : actor === 'cloudformation' ? CLOUDFORMATION : person(who);
  event.id = `watch-bench-${i}`;
  event.time = new Date(Date.parse('2026-03-02T09:00:00Z') + i * 1000).toISOString();
  Object.assign(event.detail, {
    userIdentity: identity,
    eventName,
    requestParameters,
    readOnly,
    eventID: `watch-bench-event-${i}`,
    eventTime: event.time,
    ...(actor === 'cloudformation' ? { sourceIPAddress: 'cloudformation.amazonaws.com' } : {}),
  });
  return { event, risky: actor === 'person' && !readOnly, actor };
}

const SG = 'cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json';
const IAM = 'cloudtrail-attach-role-policy-pipeline-constructed.json';
const TRAIL = 'cloudtrail-stop-logging-constructed.json';
const S3 = 'cloudtrail-delete-public-access-block-constructed.json';
const ingress = (groupId: string, port: number, cidr: string) => ({
  groupId,
  ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: port, toPort: port, ipRanges: { items: [{ cidrIp: cidr }] } }] },
});

/** The mix: deterministic, so every run measures the same 10,000 events. */
export function labelledEvents(n = 10_000): Labelled[] {
  return Array.from({ length: n }, (_, i) => {
    const slot = i % 100;
    const service = `svc-${i % 40}`;
    // 40%: the pipeline deploying (policies, groups and rules of its services).
    if (slot < 20)
      return call(i, IAM, 'pipeline', 'deploy', 'AttachRolePolicy', {
        roleName: service,
        policyArn: `arn:aws:iam::123456789012:policy/${service}`,
      });
    if (slot < 40)
      return call(
        i,
        SG,
        'pipeline',
        'deploy',
        'AuthorizeSecurityGroupIngress',
        ingress(`sg-${(i % 40).toString(16).padStart(17, '0')}`, 443, '10.0.0.0/8'),
      );
    // 30%: CloudFormation applying templates for people and pipelines.
    if (slot < 55)
      return call(
        i,
        SG,
        'cloudformation',
        'cfn',
        'AuthorizeSecurityGroupIngress',
        ingress(`sg-${(i % 7).toString(16).padStart(17, '1')}`, 22, '0.0.0.0/0'),
      );
    if (slot < 70) return call(i, IAM, 'cloudformation', 'cfn', 'PutRolePolicy', { roleName: service, policyName: 'inline' });
    // 28%: people reading (never an incident).
    if (slot < 98)
      return call(i, SG, 'person', `reader-${i % 13}`, 'DescribeSecurityGroups', { groupId: 'sg-0123456789abcdef0' }, true);
    // 2%: people changing things by hand, some of them repeatedly.
    const who = `admin-${i % 3}`;
    const risky = [
      () => call(i, SG, 'person', who, 'AuthorizeSecurityGroupIngress', ingress('sg-0123456789abcdef0', 22, '0.0.0.0/0')),
      () => call(i, TRAIL, 'person', who, 'StopLogging', { name: 'management-events' }),
      () =>
        call(i, IAM, 'person', who, 'AttachRolePolicy', {
          roleName: `role-${i % 5}`,
          policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        }),
      () => call(i, S3, 'person', who, 'DeletePublicAccessBlock', { bucketName: `bucket-${i % 4}` }),
    ];
    return risky[Math.floor(i / 100) % risky.length]!();
  });
}

/**
 * The deployment pipeline's role configured as the pipeline of the service `bench-deploy` (CloudFormation
 * is allow-listed by default): its changes are attached to the deployments `deploymentsUnderWay` records.
 */
export function withPipelineConfigured(config: FirebreakConfig): FirebreakConfig {
  return {
    ...config,
    watch: {
      ...config.watch,
      pipelines: [
        {
          name: 'bench pipeline',
          service: 'bench-deploy',
          sessionIssuer: `^${PIPELINE.sessionContext.sessionIssuer.arn}$`,
          graceMinutes: 5,
          maxDeploymentMinutes: 120,
        },
      ],
    },
  };
}

/** One deployment of `bench-deploy` started each hour from 09:00 (never finished): the run's 2.8 hours are all under way. */
function deploymentsUnderWay(): DeploymentRecord[] {
  return [0, 1, 2].map((hour) => {
    const startedAt = new Date(Date.parse('2026-03-02T09:00:00Z') + hour * 3_600_000 - 60_000).toISOString();
    return {
      id: `DEP-00000000BE0${hour}`,
      source: 'firebreak.deploy',
      executionId: `bench-${hour}`,
      service: 'bench-deploy',
      environment: 'production',
      version: `v${hour}`,
      status: 'started',
      sourceStatus: 'started',
      startedAt,
      lastEventAt: startedAt,
      resources: [],
      account: '123456789012',
      region: 'us-east-1',
      recordedAt: startedAt,
      updatedAt: startedAt,
    };
  });
}

const WATCH_BATCH = 50;

export async function watchAccuracy(config: FirebreakConfig) {
  const { startLocalRuntime } = await import('../functions/local/runtime.ts');
  const database = await startDynamoDbLocal();
  try {
    const events = labelledEvents();
    const runtime = await startLocalRuntime({
      config: withPipelineConfigured(config),
      endpoint: database.endpoint,
      tableName: 'bench-watch',
      notify: false,
    });
    for (const deployment of deploymentsUnderWay()) await runtime.repositories.deployments.saveDeployment(deployment, undefined);
    const meter = meterDynamo(runtime.client);
    const t0 = performance.now();
    // Put on the bus 50 at a time, the stream read once per 50 deliveries (and whenever the bus runs
    // dry), as the deployed event source mapping reads it in batches: ingest still takes the events
    // one by one in order, and the figures do not depend on when the relay publishes (1,000 events
    // read both ways gave the same incidents, attachments, units and requests).
    runtime.bus.feedEvery = WATCH_BATCH;
    for (let start = 0; start < events.length; start += WATCH_BATCH) {
      for (const { event } of events.slice(start, start + WATCH_BATCH)) runtime.bus.put('default', event);
      await runtime.bus.drain();
    }
    const seconds = (performance.now() - t0) / 1000;
    if (runtime.bus.deadLetters.length)
      throw new Error(`watch bench events failed: ${runtime.bus.deadLetters[0]!.error?.message}`);
    const incidents = await runtime.repositories.incidents.listIncidents(['open'], 5_000);
    const attached = (
      await Promise.all(deploymentsUnderWay().map((d) => runtime.repositories.deploymentChanges.countChanges(d.id)))
    ).reduce((sum, n) => sum + n, 0);
    await runtime.stop();
    // Each distinct risky actor + action + resource should be exactly one incident; any other incident is a false positive.
    const opened = incidents.map((incident) => incident.subject);
    const subjectOf = (e: Labelled) => {
      const d = e.event.detail as {
        userIdentity: { arn: string };
        eventName: string;
        requestParameters: Record<string, unknown>;
      };
      const target =
        d.requestParameters.groupId ?? d.requestParameters.roleName ?? d.requestParameters.bucketName ?? d.requestParameters.name;
      return `${d.userIdentity.arn}|${d.eventName}|${String(target)}`;
    };
    const expectedSubjects = new Set(events.filter((e) => e.risky).map(subjectOf));
    const falsePositives = opened.filter((subject) => !expectedSubjects.has(subject)).length;
    const falseNegatives = [...expectedSubjects].filter((subject) => !opened.includes(subject)).length;
    return {
      events: events.length,
      riskyEvents: events.filter((e) => e.risky).length,
      expectedIncidents: expectedSubjects.size,
      incidentsOpened: incidents.length,
      // CloudFormation in this mix acts for the pipeline's role (its session issuer): attached too.
      pipelineRoleEvents: events.filter((e) => e.actor !== 'person').length,
      attachedToDeployments: attached,
      falsePositives,
      falseNegatives,
      bySeverity: Object.fromEntries(
        ['SEV1', 'SEV2', 'SEV3', 'SEV4'].map((s) => [s, incidents.filter((i) => i.severity === s).length]),
      ),
      eventsPerSecond: Math.round(events.length / seconds),
      writeUnitsPerEvent: Math.round((meter.writeUnits / events.length) * 100) / 100,
      readUnitsPerEvent: Math.round((meter.readUnits / events.length) * 100) / 100,
      requestsPerEvent: Math.round((meter.requests / events.length) * 100) / 100,
    };
  } finally {
    await database.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const { loadConfig } = await import('../lib/config.ts');
  process.stdout.write(`${JSON.stringify(await watchAccuracy(loadConfig()), null, 2)}\n`);
}
