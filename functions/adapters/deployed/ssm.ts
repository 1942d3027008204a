import { SSMClient } from '@aws-sdk/client-ssm';
import { traced } from '../lambda/observability.ts';
import { AwsSsmGateway } from '../ssm-gateway.ts';

let ssm: AwsSsmGateway | undefined;
/** Systems Manager, for the executor and `/firebreak cancel`. */
export function deployedSsm(): AwsSsmGateway {
  return (ssm ??= new AwsSsmGateway(traced(new SSMClient({}))));
}
