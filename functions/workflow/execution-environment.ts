import { SSMClient } from '@aws-sdk/client-ssm';
import { requireEnv } from '../adapters/runtime-config.ts';
import { AwsSsmGateway } from '../adapters/ssm-gateway.ts';
import { deployedWorkflow } from './environment.ts';
import { Execution } from './execution.ts';

/** The executor of a deployed function (execute, track, and slack for `/firebreak cancel`). */
export function deployedExecution(): Execution {
  const { workflow, deps } = deployedWorkflow();
  return new Execution({
    ...deps,
    workflow,
    ssm: new AwsSsmGateway(new SSMClient({})),
    outputLogGroup: requireEnv('OUTPUT_LOG_GROUP'),
    automationRoleArn: requireEnv('AUTOMATION_ROLE_ARN'),
  });
}
