import { deployedSsm } from '../adapters/deployed/ssm.ts';
import { requireEnv } from '../adapters/environment.ts';
import { Execution } from '../workflow/execution.ts';
import { deployedWorkflow, deployedWorkflowDependencies } from './workflow.ts';

let execution: Execution | undefined;
/** The executor of a deployed function (execute, track, and slack for `/firebreak cancel`). */
export function deployedExecution(): Execution {
  return (execution ??= new Execution({
    ...deployedWorkflowDependencies(),
    workflow: deployedWorkflow(),
    ssm: deployedSsm(),
    outputLogGroup: requireEnv('OUTPUT_LOG_GROUP'),
    automationRoleArn: requireEnv('AUTOMATION_ROLE_ARN'),
  }));
}
