/**
 * SIMULATED maintenance windows for the local runtime, drills and tests: they record every task
 * registration with its exact input and, when the virtual clock reaches a window's opening, run
 * its registered tasks on the simulated instances and answer with status events shaped like SSM's
 * own (Maintenance Window Execution / Task Target Invocation State-change Notification).
 */
import { createHash } from 'node:crypto';
import type { MaintenanceWindow } from '../core/maintenance/maintenance-config.ts';
import type { DeployedWindow, RegisterTaskInput } from '../core/maintenance/patch-batch.ts';
import { nextOpenings } from '../core/maintenance/window-schedule.ts';
import type { WindowTasksPort } from '../workflow/ports/patch-windows.ts';

export interface SimulatedWindow {
  /** The SSM id the stack would have given it (`mw-…`). */
  readonly windowId: string;
  readonly schedule: string;
  readonly timezone: string;
  /** How many tagged instances the window's target finds, and how many of them fail. */
  readonly instances: number;
  readonly fail?: number;
}

export type WindowCall =
  | { readonly api: 'RegisterTaskWithMaintenanceWindow'; readonly input: RegisterTaskInput }
  | { readonly api: 'DeregisterTaskFromMaintenanceWindow'; readonly input: { WindowId: string; WindowTaskId: string } };

const uuid = (seed: string) => {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** The windows the stack would create for `maintenance.windows`, with SSM-shaped ids derived from their names; 20 instances each. */
export function simulatedWindowsFor(
  windows: readonly MaintenanceWindow[],
  instances = 20,
): { windows: SimulatedWindow[]; deployed: Record<string, DeployedWindow> } {
  const simulated = windows.map((w) => ({
    id: w.id,
    windowId: `mw-${createHash('sha256').update(`window:${w.id}`).digest('hex').slice(0, 17)}`,
    targetId: uuid(`target:${w.id}`),
    schedule: w.schedule,
    timezone: w.timezone,
    instances,
  }));
  return {
    windows: simulated,
    deployed: Object.fromEntries(simulated.map((w) => [w.id, { windowId: w.windowId, targetId: w.targetId }])),
  };
}

export class SimulatedMaintenanceWindows implements WindowTasksPort {
  readonly calls: WindowCall[] = [];
  private readonly tasks = new Map<string, { windowId: string; input: RegisterTaskInput }>();
  /** Last moment each window was checked: openings after it and up to now are due. */
  private readonly checkedUntil = new Map<string, Date>();

  constructor(
    private readonly windows: readonly SimulatedWindow[],
    private readonly clock: () => Date,
    private readonly emit: (event: object) => void,
    private readonly account = '123456789012',
    private readonly region = 'us-east-1',
  ) {
    for (const w of windows) this.checkedUntil.set(w.windowId, clock());
  }

  async registerPatchTask(input: RegisterTaskInput): Promise<string> {
    this.calls.push({ api: 'RegisterTaskWithMaintenanceWindow', input });
    if (!this.windows.some((w) => w.windowId === input.WindowId))
      throw new Error(`DoesNotExistException: window ${input.WindowId}`);
    // The client token makes a repeated registration return the same task, as SSM does.
    const taskId = uuid(`task:${input.WindowId}:${input.ClientToken}`);
    this.tasks.set(taskId, { windowId: input.WindowId, input });
    return taskId;
  }

  async deregisterTask(windowId: string, windowTaskId: string): Promise<void> {
    this.calls.push({ api: 'DeregisterTaskFromMaintenanceWindow', input: { WindowId: windowId, WindowTaskId: windowTaskId } });
    this.tasks.delete(windowTaskId);
  }

  /** The earliest opening after the last check and no later than `until`: the runtime moves the clock there and runs it. */
  nextOpening(until: Date): Date | undefined {
    const openings = this.windows
      .map((w) => nextOpenings(w.schedule, w.timezone, this.checkedUntil.get(w.windowId)!, 1)[0])
      .filter((at): at is Date => at !== undefined && at <= until);
    return openings.sort((a, b) => a.getTime() - b.getTime())[0];
  }

  /** Runs every window whose opening the clock has passed since the last call; returns how many ran. */
  runDue(): number {
    const now = this.clock();
    let ran = 0;
    for (const window of this.windows) {
      const since = this.checkedUntil.get(window.windowId)!;
      this.checkedUntil.set(window.windowId, now);
      const [opening] = nextOpenings(window.schedule, window.timezone, since, 1);
      if (!opening || opening > now) continue;
      const tasks = [...this.tasks.entries()].filter(([, t]) => t.windowId === window.windowId);
      if (tasks.length === 0) continue;
      ran++;
      this.run(
        window,
        opening,
        tasks.map(([id]) => id),
      );
    }
    return ran;
  }

  private run(window: SimulatedWindow, opening: Date, taskIds: string[]): void {
    const executionId = uuid(`exec:${window.windowId}:${opening.toISOString()}`);
    const base = { 'window-id': window.windowId, 'window-execution-id': executionId };
    this.event('Maintenance Window Execution State-change Notification', {
      ...base,
      'start-time': opening.toISOString(),
      status: 'IN_PROGRESS',
    });
    let failed = 0;
    for (const taskId of taskIds) {
      const taskExecutionId = uuid(`task-exec:${executionId}:${taskId}`);
      for (let i = 0; i < window.instances; i++) {
        const status = i < (window.fail ?? 0) ? 'FAILED' : 'SUCCESS';
        if (status === 'FAILED') failed++;
        this.event('Maintenance Window Task Target Invocation State-change Notification', {
          ...base,
          'task-execution-id': taskExecutionId,
          'window-target-id': uuid(`target:${window.windowId}`),
          status,
          'owner-information': `instance ${i + 1}`,
        });
      }
      this.event('Maintenance Window Task Execution State-change Notification', {
        ...base,
        'task-execution-id': taskExecutionId,
        status: failed ? 'FAILED' : 'SUCCESS',
      });
    }
    this.event('Maintenance Window Execution State-change Notification', {
      ...base,
      'start-time': opening.toISOString(),
      'end-time': this.clock().toISOString(),
      status: failed ? 'FAILED' : 'SUCCESS',
    });
  }

  private sequence = 0;
  private event(detailType: string, detail: Record<string, string>): void {
    this.emit({
      version: '0',
      id: uuid(`event:${++this.sequence}:${detailType}:${JSON.stringify(detail)}`),
      'detail-type': detailType,
      source: 'aws.ssm',
      account: this.account,
      time: this.clock()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: [`arn:aws:ssm:${this.region}:${this.account}:maintenancewindow/${detail['window-id']}`],
      detail,
    });
  }
}
