import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { FirebreakConfig } from './config.ts';
import { EventIngestion } from './constructs/event-ingestion.ts';
import { EventStore } from './constructs/event-store.ts';

export interface FirebreakStackProps extends StackProps {
  readonly config: FirebreakConfig;
  /** Name of the Firebreak bus; only tests should change it. */
  readonly busName?: string;
}

/** Composes the Firebreak constructs. No business logic lives here. */
export class FirebreakStack extends Stack {
  readonly store: EventStore;
  readonly ingestion: EventIngestion;

  constructor(scope: Construct, id: string, props: FirebreakStackProps) {
    super(scope, id, props);

    this.store = new EventStore(this, 'Store');
    this.ingestion = new EventIngestion(this, 'Ingestion', {
      config: props.config,
      table: this.store.table,
      key: this.store.key,
      busName: props.busName,
    });

    new CfnOutput(this, 'EventBusName', { value: this.ingestion.bus.eventBusName, description: 'Send custom monitor events here (PutEvents)' });
    new CfnOutput(this, 'TableName', { value: this.store.table.tableName, description: 'Incidents, mitigations, audit trail and roster' });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.ingestion.deadLetterQueue.queueUrl, description: 'Events that could not be ingested' });
  }
}
