import { deployedSsm } from '../adapters/deployed/ssm.ts';
import { requireEnv } from '../adapters/environment.ts';
import { Execution } from '../workflow/execution.ts';
import { deployedWorkflowDependencies } from './workflow.ts';

let execution: Execution | undefined;
/** The executor of a deployed function (execute and track; slack records cancels and never builds it). */
export function deployedExecution(): Execution {
  return (execution ??= new Execution({
    ...deployedWorkflowDependencies(),
    ssm: deployedSsm(),
    outputLogGroup: requireEnv('OUTPUT_LOG_GROUP'),
    automationRoleArn: requireEnv('AUTOMATION_ROLE_ARN'),
  }));
}
