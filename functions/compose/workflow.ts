import type { FirebreakConfig } from '../core/config.ts';
import { ReleaseHoldRepository } from '../adapters/dynamodb/holds.ts';
import { IncidentRepository } from '../adapters/dynamodb/incidents.ts';
import { MitigationRepository } from '../adapters/dynamodb/mitigations.ts';
import { RosterRepository } from '../adapters/dynamodb/roster.ts';
import { SilenceRepository } from '../adapters/dynamodb/silences.ts';
import { milestoneMetricsEmitter } from '../adapters/lambda/milestone-metrics.ts';
import { deployedConfig } from '../adapters/deployed/config.ts';
import { deployedScheduler } from '../adapters/deployed/scheduler.ts';
import { deployedTable } from '../adapters/deployed/table.ts';
import type { OneTimeScheduler } from '../workflow/ports/bus.ts';
import { Workflow, type WorkflowDependencies } from '../workflow/workflow.ts';

/** What the workflow of a deployed function runs on: the baked-in configuration, its repositories and Scheduler. */
export function deployedWorkflowDependencies(): WorkflowDependencies & {
  config: FirebreakConfig;
  incidents: IncidentRepository;
  mitigations: MitigationRepository;
} {
  const table = deployedTable();
  return {
    config: deployedConfig(),
    incidents: new IncidentRepository(table, milestoneMetricsEmitter()),
    mitigations: new MitigationRepository(table),
    holds: new ReleaseHoldRepository(table),
    roster: new RosterRepository(table),
    silences: new SilenceRepository(table),
    // Built on first use: a function that never schedules needs no scheduler settings.
    scheduler: { schedule: (input) => deployedScheduler().schedule(input) } satisfies OneTimeScheduler,
    now: () => new Date(),
  };
}

let workflow: Workflow | undefined;
export function deployedWorkflow(): Workflow {
  return (workflow ??= new Workflow(deployedWorkflowDependencies()));
}
