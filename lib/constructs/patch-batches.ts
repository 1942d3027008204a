import { Duration, Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import type { FirebreakConfig } from '../../functions/core/config.ts';
import { MAINTENANCE_PATTERN } from '../../functions/core/events/subscriptions.ts';
import { WINDOW_STATUS_PATTERN } from '../../functions/core/maintenance/window-status.ts';
import { deliveryRule } from './delivery-rule.ts';
import { FirebreakFunction } from './firebreak-function.ts';
import type { Foundation } from './foundation.ts';
import type { IncidentWorkflow } from './incident-workflow.ts';
import type { MaintenanceWindows } from './maintenance-windows.ts';

export interface PatchBatchesProps {
  /** The validated configuration, baked into the bundle (windows, policy, channels). */
  readonly config: FirebreakConfig;
  readonly foundation: Foundation;
  /** The function reads the roster through the workflow (it never schedules). */
  readonly workflow: IncidentWorkflow;
  /** The windows it registers tasks in; their ids reach the function as `MAINTENANCE_WINDOWS`. */
  readonly maintenanceWindows: MaintenanceWindows;
}

/**
 * The `maintenance` function and its two rules: `Patch Batch Changed` / `Patch Batch Approved` on
 * the firebreak bus (post or update the batch's Slack message; register the approved batch's
 * `AWS-RunPatchBaseline` task), and the SSM maintenance window status events on the default bus
 * (the run's progress in the batch's thread, then the task's deregistration). Deliveries are
 * retried and dead-lettered like every other function's.
 */
export class PatchBatches extends Construct {
  readonly maintenanceFunction: FirebreakFunction;
  readonly batchRule: events.Rule;
  readonly windowStatusRule: events.Rule;

  constructor(scope: Construct, id: string, props: PatchBatchesProps) {
    super(scope, id);
    const { foundation } = props;
    this.maintenanceFunction = new FirebreakFunction(this, 'Maintenance', {
      entry: 'functions/maintenance/handler.ts',
      serviceName: 'firebreak-maintenance',
      description: 'Firebreak maintenance: patch batch messages, window task registration, window run progress',
      settings: props.config,
      environment: { MAINTENANCE_WINDOWS: Stack.of(this).toJsonString(props.maintenanceWindows.deployedIds()) },
      // Room for Slack's 429 Retry-After waits, as notify.
      timeout: Duration.seconds(60),
      retryAttempts: 2,
      maxEventAge: Duration.hours(2),
      deadLetterQueue: foundation.deadLetterQueue,
    });
    foundation.grantReadWriteData(this.maintenanceFunction);
    foundation.grantSlackSecret(this.maintenanceFunction);
    props.workflow.addSchedulingEnvironment(this.maintenanceFunction);
    props.maintenanceWindows.grantRegisterTasks(this.maintenanceFunction);

    this.batchRule = deliveryRule(this, 'BatchRule', {
      bus: foundation.bus,
      description: 'Firebreak maintenance: patch batch changes and approvals',
      pattern: MAINTENANCE_PATTERN,
      target: this.maintenanceFunction,
      deadLetterQueue: foundation.deadLetterQueue,
    });
    this.windowStatusRule = deliveryRule(this, 'WindowStatusRule', {
      description: 'Firebreak maintenance: SSM maintenance window execution and target status',
      pattern: WINDOW_STATUS_PATTERN,
      target: this.maintenanceFunction,
      deadLetterQueue: foundation.deadLetterQueue,
    });
  }
}
