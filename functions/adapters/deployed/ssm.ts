import { SSMClient } from '@aws-sdk/client-ssm';
import { AwsSsmGateway } from '../ssm-gateway.ts';

let ssm: AwsSsmGateway | undefined;
/** Systems Manager, for the executor and `/firebreak cancel`. */
export function deployedSsm(): AwsSsmGateway {
  return (ssm ??= new AwsSsmGateway(new SSMClient({})));
}
