import type { FirebreakConfig } from '../core/config.ts';
import { deployedConfig } from '../adapters/deployed/config.ts';
import { deployedPublisher } from '../adapters/deployed/bus.ts';
import { deployedScheduler } from '../adapters/deployed/scheduler.ts';
import { deployedStore } from '../adapters/deployed/table.ts';
import type { OneTimeScheduler } from '../workflow/ports/bus.ts';
import { Workflow, type WorkflowDependencies } from '../workflow/workflow.ts';

/** The approval workflow of a deployed function: the baked-in configuration, the table, the bus and Scheduler. */
export function deployedWorkflowDependencies(): WorkflowDependencies & { config: FirebreakConfig } {
  return {
    config: deployedConfig(),
    store: deployedStore(),
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
