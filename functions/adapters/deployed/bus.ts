import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventPublisher } from '../event-publisher.ts';
import { requireEnv } from '../environment.ts';

let publisher: EventPublisher | undefined;
/** PutEvents on the firebreak bus. */
export function deployedPublisher(): EventPublisher {
  return (publisher ??= new EventPublisher(new EventBridgeClient({}), requireEnv('EVENT_BUS_NAME')));
}
