import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DeadLetter } from '../../functions/adapters/dead-letter-sink.ts';
import { EventPublisher } from '../../functions/adapters/event-publisher.ts';
import { LocalStreamReader } from '../../functions/local/stream-relay.ts';
import { createRelayHandler } from '../../functions/relay/handler.ts';
import type { EventPublisherPort } from '../../functions/workflow/ports/bus.ts';

/**
 * The outbox's real path for a test table: its DynamoDB Local stream, read as the event source
 * mapping reads it, through the deployed relay handler, to a publisher (by default PutEvents
 * through an EventBridgeClient, which tests mock with aws-sdk-client-mock).
 */
export function streamRelay(
  table: {
    readonly client: ConstructorParameters<typeof LocalStreamReader>[0];
    readonly endpoint: string;
    readonly tableName: string;
  },
  publisher: EventPublisherPort = new EventPublisher(new EventBridgeClient({ region: 'us-east-1' }), 'firebreak'),
) {
  const deadLetters: DeadLetter[] = [];
  const relay = createRelayHandler(() => ({ publisher, deadLetters: { send: async (letter) => void deadLetters.push(letter) } }));
  const reader = new LocalStreamReader(table.client, table.endpoint, table.tableName, (event, context) => relay(event, context));
  return { pump: () => reader.pump(), reader, deadLetters, close: () => reader.close() };
}
