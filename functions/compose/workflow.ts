import type { FirebreakConfig } from '../core/config.ts';
import type { Repositories } from '../adapters/dynamodb/repositories.ts';
import { deployedPublisher } from '../adapters/deployed/bus.ts';
import { deployedConfig } from '../adapters/deployed/config.ts';
import { deployedScheduler } from '../adapters/deployed/scheduler.ts';
import { deployedRepositories } from '../adapters/deployed/table.ts';
import type { OneTimeScheduler } from '../workflow/ports/bus.ts';
import { Workflow, type WorkflowDependencies } from '../workflow/workflow.ts';

/** What the workflow of a deployed function runs on: the baked-in configuration, the repositories, the bus and Scheduler. */
export function deployedWorkflowDependencies(): WorkflowDependencies & Repositories & { config: FirebreakConfig } {
  return {
    config: deployedConfig(),
    ...deployedRepositories(),
    publisher: deployedPublisher(),
    // Built on first use: a function that never schedules needs no scheduler settings.
    scheduler: { schedule: (input) => deployedScheduler().schedule(input) } satisfies OneTimeScheduler,
    now: () => new Date(),
  };
}

let workflow: Workflow | undefined;
export function deployedWorkflow(): Workflow {
  return (workflow ??= new Workflow(deployedWorkflowDependencies()));
}
