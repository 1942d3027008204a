import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import type { FirebreakConfig } from '../../functions/core/config.ts';
import { ingestRules } from '../../functions/core/events/ingest-rules.ts';
import { deliveryRule } from './delivery-rule.ts';
import { FirebreakFunction } from './firebreak-function.ts';
import type { Foundation } from './foundation.ts';

export interface EventIngestionProps {
  /** The validated configuration: selects the ingest rules and is baked into the ingest bundle. */
  readonly config: FirebreakConfig;
  /** The table, its key, the firebreak bus and the shared DLQ. */
  readonly foundation: Foundation;
  /** Retries of the EventBridge -> ingest delivery (throttling, service errors). */
  readonly targetRetryAttempts?: number;
  /** How long EventBridge keeps retrying a delivery before it dead-letters the event. */
  readonly targetMaxEventAge?: Duration;
  /** Lambda's own async retries when the handler throws (e.g. an event it cannot parse). */
  readonly functionRetryAttempts?: number;
}

/**
 * The way in: one EventBridge rule per ingest pattern (on the default bus for AWS sources, on the
 * Firebreak bus for custom monitors) and the `ingest` function. Failed deliveries and events the
 * handler rejected both land in the foundation's dead-letter queue.
 *
 * ingest reads and writes the table (its announcements go through the outbox); nothing else.
 */
export class EventIngestion extends Construct {
  readonly ingestFunction: FirebreakFunction;
  /** The rules by `IngestRule.id` (the same ids the local bus uses). */
  readonly rules: ReadonlyMap<string, events.Rule>;

  constructor(scope: Construct, id: string, props: EventIngestionProps) {
    super(scope, id);
    const { foundation } = props;

    this.ingestFunction = new FirebreakFunction(this, 'Ingest', {
      entry: 'functions/ingest/handler.ts',
      serviceName: 'firebreak-ingest',
      description: 'Firebreak ingest: normalize, classify, deduplicate and record incoming signals',
      settings: props.config,
      // A thrown error (an event the handler rejects) is retried by Lambda's async invoke config,
      // then lands in the same DLQ as failed deliveries, so there is one place to look and redrive.
      retryAttempts: props.functionRetryAttempts ?? 2,
      maxEventAge: Duration.hours(2),
      deadLetterQueue: foundation.deadLetterQueue,
    });
    foundation.grantReadWriteData(this.ingestFunction);

    const rules = new Map<string, events.Rule>();
    for (const ingest of ingestRules(props.config)) {
      const rule = deliveryRule(this, `${ingest.id}Rule`, {
        bus: ingest.bus === 'firebreak' ? foundation.bus : undefined,
        description: `Firebreak ingest: ${ingest.description}`,
        pattern: ingest.pattern,
        target: this.ingestFunction,
        deadLetterQueue: foundation.deadLetterQueue,
        retryAttempts: props.targetRetryAttempts,
        maxEventAge: props.targetMaxEventAge,
      });
      rules.set(ingest.id, rule);
    }
    this.rules = rules;
  }
}
