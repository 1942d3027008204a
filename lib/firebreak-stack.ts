import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { FirebreakConfig } from './config.ts';
import { AuditNotary } from './constructs/audit-notary.ts';
import { DeploymentTracking } from './constructs/deployment-tracking.ts';
import { EventIngestion } from './constructs/event-ingestion.ts';
import { FleetMitigation } from './constructs/fleet-mitigation.ts';
import { Foundation } from './constructs/foundation.ts';
import { IncidentWorkflow } from './constructs/incident-workflow.ts';
import { ConfigurationReview } from './constructs/configuration-review.ts';
import { ConfigurationReviewPolicy, MaintenanceWindows } from './constructs/maintenance-windows.ts';
import { OperationsDashboard } from './constructs/operations-dashboard.ts';
import { OutboxRelay } from './constructs/outbox-relay.ts';
import { PatchBatches } from './constructs/patch-batches.ts';
import { PostmortemArchive } from './constructs/postmortem-archive.ts';
import { firebreakFunctionsIn, PlatformAlarms } from './constructs/platform-alarms.ts';
import { SlackIngress } from './constructs/slack-ingress.ts';
import { ReleaseRules } from './constructs/release-rules.ts';

export interface FirebreakStackProps extends StackProps {
  readonly config: FirebreakConfig;
  /** Name of the Firebreak bus; only tests should change it. */
  readonly busName?: string;
}

/** Composes the Firebreak constructs. No business logic lives here. */
export class FirebreakStack extends Stack {
  /** The table and its key, the firebreak bus, the shared DLQ and the Slack secret. */
  readonly foundation: Foundation;
  readonly ingestion: EventIngestion;
  readonly slack: SlackIngress;
  readonly workflow: IncidentWorkflow;
  readonly deployments: DeploymentTracking;
  readonly mitigation: FleetMitigation;
  /** The deploy freeze and the task tracker, each a step of its own on the bus. */
  readonly releaseRules: ReleaseRules;
  /** Publishes what the functions commit (the transactional outbox) from the table's stream to the bus. */
  readonly relay: OutboxRelay;
  /** The S3 copies of the postmortem drafts notify shares in Slack. */
  readonly postmortems: PostmortemArchive;
  /** Signs the audit chain heads from the table's stream into a write-once bucket. */
  readonly notary: AuditNotary;
  /** Alarms on the dead-letter queues, every function and the relay's iterator age; they become `platform` incidents. */
  readonly alarms: PlatformAlarms;
  /** The CloudWatch dashboard: incidents, response times, approvals, mitigations, dead letters, errors, Slack. */
  readonly dashboard: OperationsDashboard;
  /** The SSM Maintenance Windows of `maintenance.windows`, each with its tag target. */
  readonly maintenanceWindows: MaintenanceWindows;
  /** Patch batches into those windows (only when windows are configured). */
  readonly patchBatches?: PatchBatches;
  /** The read-only managed policy `firebreak review` needs. */
  readonly reviewPolicy: ConfigurationReviewPolicy;
  /** The scheduled configuration review (unless `review.enabled` is false). */
  readonly review?: ConfigurationReview;

  constructor(scope: Construct, id: string, props: FirebreakStackProps) {
    super(scope, id, props);
    const { config } = props;

    const foundation = new Foundation(this, 'Foundation', { busName: props.busName });
    this.foundation = foundation;
    this.relay = new OutboxRelay(this, 'Relay', { foundation });
    this.notary = new AuditNotary(this, 'Notary', { foundation, audit: config.audit });
    this.ingestion = new EventIngestion(this, 'Ingestion', { config, foundation });
    this.slack = new SlackIngress(this, 'Slack', { config, foundation });
    this.workflow = new IncidentWorkflow(this, 'Workflow', { config, foundation, slackFunction: this.slack.slackFunction });
    this.deployments = new DeploymentTracking(this, 'Deployments', { config, foundation, workflow: this.workflow });
    this.releaseRules = new ReleaseRules(this, 'ReleaseRules', { config, foundation });
    this.mitigation = new FleetMitigation(this, 'Mitigation', {
      config,
      foundation,
      workflow: this.workflow,
    });
    this.postmortems = new PostmortemArchive(this, 'Postmortems', {
      foundation,
      accessLogsBucket: this.mitigation.accessLogsBucket,
      writer: this.workflow.notifyFunction,
    });
    this.maintenanceWindows = new MaintenanceWindows(this, 'MaintenanceWindows', { windows: config.maintenance.windows });
    if (config.maintenance.windows.length > 0)
      this.patchBatches = new PatchBatches(this, 'PatchBatches', {
        config,
        foundation,
        workflow: this.workflow,
        maintenanceWindows: this.maintenanceWindows,
      });
    this.reviewPolicy = new ConfigurationReviewPolicy(this, 'ConfigurationReview');
    if (config.review.enabled)
      this.review = new ConfigurationReview(this, 'Review', {
        config,
        foundation,
        workflow: this.workflow,
        readPolicy: this.reviewPolicy,
      });
    // Last, so it finds every function the constructs above created.
    this.alarms = new PlatformAlarms(this, 'PlatformAlarms', {
      deadLetterQueues: [
        { name: 'shared', queue: foundation.deadLetterQueue },
        { name: 'relay', queue: this.relay.deadLetterQueue },
        { name: 'notary', queue: this.notary.deadLetterQueue },
      ],
      functions: firebreakFunctionsIn(this),
    });
    this.alarms.watchStreamConsumer(this.relay.relayFunction);
    // Its batching window delays every record by up to digestWindowSeconds by design.
    this.alarms.watchStreamConsumer(this.notary.notaryFunction, Duration.minutes(15));
    this.dashboard = new OperationsDashboard(this, 'Dashboard', {
      functions: firebreakFunctionsIn(this),
      deadLetterQueues: [
        { name: 'shared', queue: foundation.deadLetterQueue },
        { name: 'relay', queue: this.relay.deadLetterQueue },
        { name: 'notary', queue: this.notary.deadLetterQueue },
      ],
      alarms: [
        ...this.alarms.deadLetterAlarms.values(),
        ...[...this.alarms.functionAlarms.values()].flatMap((a) => [a.errors, a.throttles]),
        ...this.alarms.streamConsumerAlarms.values(),
      ],
    });

    const outputs: Record<string, [value: string, description: string]> = {
      EventBusName: [foundation.bus.eventBusName, 'Send custom monitor events here (PutEvents)'],
      TableName: [foundation.table.tableName, 'Incidents, mitigations, audit trail and roster'],
      DeadLetterQueueUrl: [
        foundation.deadLetterQueue.queueUrl,
        'Events no Firebreak function could handle: `firebreak dlq list --queue <this>` (or $FIREBREAK_DLQ)',
      ],
      RelayDeadLetterQueueUrl: [this.relay.deadLetterQueue.queueUrl, 'Committed events the relay could not publish'],
      AuditDigestBucketName: [
        this.notary.digestBucket.bucketName,
        'Signed digests of the audit chain heads (Object Lock): `firebreak audit verify --bucket <this>`',
      ],
      NotaryKeyArn: [this.notary.signingKey.keyArn, 'The notary signing key: `firebreak audit export-key --key-id <this>`'],
      SlackRequestUrl: [this.slack.endpointUrl, 'Paste into the Slack app: slash command and interactivity Request URL'],
      SlackSecretName: [foundation.slackSecretName, 'Put the Slack signing secret, bot token and app id here (JSON)'],
      DiagnosticsBucketName: [
        this.mitigation.diagnosticsBucket.bucketName,
        'collect-diagnostics uploads here (<instance id>/<timestamp>/): grant your instance role s3:PutObject on this bucket',
      ],
      PostmortemBucketName: [
        this.postmortems.bucket.bucketName,
        'A copy of every postmortem draft shared in Slack (postmortems/<incident>/)',
      ],
      DashboardName: [
        this.dashboard.dashboard.dashboardName,
        'The CloudWatch dashboard: incidents, response times, approvals, mitigations, dead letters, errors, Slack',
      ],
      ReviewPolicyArn: [this.reviewPolicy.policy.managedPolicyArn, 'Attach to whoever runs `firebreak review` (read-only)'],
      MitigationOutputLogGroup: [
        this.mitigation.outputLogGroup.logGroupName,
        'Run Command output of every mitigation: grant your instance role logs:CreateLogStream and logs:PutLogEvents on it',
      ],
    };
    for (const [id, [value, description]] of Object.entries(outputs)) new CfnOutput(this, id, { value, description });
    if (this.mitigation.quarantineSecurityGroup) {
      new CfnOutput(this, 'QuarantineSecurityGroupId', {
        value: this.mitigation.quarantineSecurityGroup.attrGroupId,
        description: 'isolate-instance moves instances into this group (no inbound, no outbound)',
      });
    }
  }
}
