import { CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FirebreakConfig } from '../../functions/core/config.ts';
import { FIREBREAK_BUS_NAME } from '../../functions/core/events/bus.ts';
import { ingestRules } from '../../functions/core/events/ingest-rules.ts';
import { deliveryRule } from './delivery-rule.ts';
import { FirebreakFunction } from './firebreak-function.ts';

export interface EventIngestionProps {
  /** The validated configuration: selects the ingest rules and is baked into the ingest bundle. */
  readonly config: FirebreakConfig;
  readonly table: dynamodb.ITable;
  /** The key that encrypts `table`. */
  readonly key: kms.IKey;
  /** Name of the Firebreak bus; only tests should change it. */
  readonly busName?: string;
  /** Retries of the EventBridge -> ingest delivery (throttling, service errors). */
  readonly targetRetryAttempts?: number;
  /** How long EventBridge keeps retrying a delivery before it dead-letters the event. */
  readonly targetMaxEventAge?: Duration;
  /** Lambda's own async retries when the handler throws (e.g. an event it cannot parse). */
  readonly functionRetryAttempts?: number;
}

/**
 * The way in: the Firebreak bus, one EventBridge rule per ingest pattern (on the default bus for
 * AWS sources, on the Firebreak bus for custom monitors), the `ingest` function and a dead-letter
 * queue that catches both failed deliveries and events the handler rejected.
 */
export class EventIngestion extends Construct {
  readonly bus: events.EventBus;
  readonly deadLetterQueue: sqs.Queue;
  readonly ingestFunction: FirebreakFunction;
  /** The rules by `IngestRule.id` (the same ids the local bus uses). */
  readonly rules: ReadonlyMap<string, events.Rule>;

  constructor(scope: Construct, id: string, props: EventIngestionProps) {
    super(scope, id);

    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: props.busName ?? FIREBREAK_BUS_NAME,
      description: 'Firebreak: custom monitor events in, incident and mitigation events between functions',
    });

    // SQS-managed encryption rather than the table key: EventBridge delivers to a DLQ as the
    // events service, so a customer key would have to trust events.amazonaws.com in the key
    // policy of the key that protects the audit trail. The DLQ only holds events EventBridge
    // already carried.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // No SQS3 acknowledgement needed: cdk-nag sees that this queue is the function's DLQ.

    this.ingestFunction = new FirebreakFunction(this, 'Ingest', {
      entry: 'functions/ingest/handler.ts',
      serviceName: 'firebreak-ingest',
      description: 'Firebreak ingest: normalize, classify, deduplicate and record incoming signals',
      settings: props.config,
      environment: {
        TABLE_NAME: props.table.tableName,
        EVENT_BUS_NAME: this.bus.eventBusName,
      },
      // A thrown error (an event the handler rejects) is retried by Lambda's async invoke config,
      // then lands in the same DLQ as failed deliveries, so there is one place to look and redrive.
      retryAttempts: props.functionRetryAttempts ?? 2,
      maxEventAge: Duration.hours(2),
      deadLetterQueue: this.deadLetterQueue,
    });
    props.table.grantReadWriteData(this.ingestFunction);
    // Also implied by the table grant when the table carries its key; explicit so an imported table works too.
    props.key.grantEncryptDecrypt(this.ingestFunction);
    this.bus.grantPutEventsTo(this.ingestFunction);

    const rules = new Map<string, events.Rule>();
    for (const ingest of ingestRules(props.config)) {
      const rule = deliveryRule(this, `${ingest.id}Rule`, {
        bus: ingest.bus === 'firebreak' ? this.bus : undefined,
        description: `Firebreak ingest: ${ingest.description}`,
        pattern: ingest.pattern,
        target: this.ingestFunction,
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: props.targetRetryAttempts,
        maxEventAge: props.targetMaxEventAge,
      });
      rules.set(ingest.id, rule);
    }
    this.rules = rules;

    // cdk-nag findings of the grants above, acknowledged one by one with why they are acceptable.
    const role = this.ingestFunction.executionRole;
    const kmsReasons: Record<string, string> = {
      'kms:GenerateDataKey*': "DynamoDB asks the table key for data keys on the caller's behalf when it writes items",
      'kms:ReEncrypt*': 'part of the encrypt/decrypt grant the table grant adds',
    };
    for (const [action, why] of Object.entries(kmsReasons)) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `From the table grant: ${action} is scoped to the one customer key that encrypts the table, not to all keys (${why}).`,
      });
    }
    const tableResource = props.table.node.defaultChild;
    if (tableResource instanceof CfnElement) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(tableResource).getLogicalId(tableResource)}.Arn>/index/*]`,
        reason:
          "From the table grant: the table's own indexes (<table arn>/index/*); ingest queries the byStatus index and no other table is reachable.",
      });
    }
  }
}
