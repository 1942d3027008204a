import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { FirebreakConfig } from './config.ts';
import { DeploymentTracking } from './constructs/deployment-tracking.ts';
import { EventIngestion } from './constructs/event-ingestion.ts';
import { FleetMitigation } from './constructs/fleet-mitigation.ts';
import { Foundation } from './constructs/foundation.ts';
import { IncidentWorkflow } from './constructs/incident-workflow.ts';
import { ConfigurationReviewPolicy, MaintenanceWindows } from './constructs/maintenance-windows.ts';
import { OutboxRelay } from './constructs/outbox-relay.ts';
import { PatchBatches } from './constructs/patch-batches.ts';
import { firebreakFunctionsIn, PlatformAlarms } from './constructs/platform-alarms.ts';
import { SlackIngress } from './constructs/slack-ingress.ts';

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
  /** Publishes what the functions commit (the transactional outbox) from the table's stream to the bus. */
  readonly relay: OutboxRelay;
  /** Alarms on the dead-letter queues, every function and the relay's iterator age; they become `platform` incidents. */
  readonly alarms: PlatformAlarms;
  /** The SSM Maintenance Windows of `maintenance.windows`, each with its tag target. */
  readonly maintenanceWindows: MaintenanceWindows;
  /** Patch batches into those windows (only when windows are configured). */
  readonly patchBatches?: PatchBatches;
  /** The read-only managed policy `firebreak review` needs. */
  readonly reviewPolicy: ConfigurationReviewPolicy;

  constructor(scope: Construct, id: string, props: FirebreakStackProps) {
    super(scope, id, props);
    const { config } = props;

    const foundation = new Foundation(this, 'Foundation', { busName: props.busName });
    this.foundation = foundation;
    this.relay = new OutboxRelay(this, 'Relay', { foundation });
    this.ingestion = new EventIngestion(this, 'Ingestion', { config, foundation });
    this.slack = new SlackIngress(this, 'Slack', { config, foundation });
    this.workflow = new IncidentWorkflow(this, 'Workflow', { config, foundation, slackFunction: this.slack.slackFunction });
    this.deployments = new DeploymentTracking(this, 'Deployments', { config, foundation, workflow: this.workflow });
    this.mitigation = new FleetMitigation(this, 'Mitigation', {
      config,
      foundation,
      workflow: this.workflow,
      slackFunction: this.slack.slackFunction,
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
    // Last, so it finds every function the constructs above created.
    this.alarms = new PlatformAlarms(this, 'PlatformAlarms', {
      deadLetterQueues: [
        { name: 'shared', queue: foundation.deadLetterQueue },
        { name: 'relay', queue: this.relay.deadLetterQueue },
      ],
      functions: firebreakFunctionsIn(this),
    });
    this.alarms.watchStreamConsumer(this.relay.relayFunction);

    const outputs: Record<string, [value: string, description: string]> = {
      EventBusName: [foundation.bus.eventBusName, 'Send custom monitor events here (PutEvents)'],
      TableName: [foundation.table.tableName, 'Incidents, mitigations, audit trail and roster'],
      DeadLetterQueueUrl: [
        foundation.deadLetterQueue.queueUrl,
        'Events no Firebreak function could handle: `firebreak dlq list --queue <this>` (or $FIREBREAK_DLQ)',
      ],
      RelayDeadLetterQueueUrl: [this.relay.deadLetterQueue.queueUrl, 'Committed events the relay could not publish'],
      SlackRequestUrl: [this.slack.endpointUrl, 'Paste into the Slack app: slash command and interactivity Request URL'],
      SlackSecretName: [foundation.slackSecretName, 'Put the Slack signing secret, bot token and app id here (JSON)'],
      DiagnosticsBucketName: [
        this.mitigation.diagnosticsBucket.bucketName,
        'collect-diagnostics uploads here (<instance id>/<timestamp>/): grant your instance role s3:PutObject on this bucket',
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
