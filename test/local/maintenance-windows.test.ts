import { describe, expect, it } from 'vitest';
import type { RosterMember } from '../../functions/core/approval/roster.ts';
import { parseConfig } from '../../functions/core/config.ts';
import { parseWindowStatus } from '../../functions/core/maintenance/window-status.ts';
import { SimulatedMaintenanceWindows } from '../../functions/local/maintenance-windows.ts';
import {
  decidePatchBatch,
  proposePatchFinding,
  recordWindowStatus,
  registerApprovedBatch,
} from '../../functions/workflow/patch-windows.ts';
import { configInput, makeSignal } from '../core/helpers.ts';
import { InMemoryBatches } from '../support/in-memory-batches.ts';

const MW = 'mw-0ed7251d3fcf6e0c2';
const config = parseConfig(
  configInput({
    maintenance: {
      windows: [
        {
          id: 'sunday-patch',
          schedule: 'cron(0 2 ? * SUN *)',
          durationHours: 4,
          cutoffHours: 1,
          targets: { key: 'firebreak:fleet', values: ['production'] },
        },
      ],
    },
  }),
);
const cto: RosterMember = { slackUserId: 'U0CTO000001', name: 'Dana Okafor', role: 'cto' };

describe('the simulated maintenance window on the virtual clock', () => {
  it('runs the approved batch at the window opening and the run comes back as the batch outcome', async () => {
    let clock = new Date('2026-11-23T09:00:00.000Z');
    const events: object[] = [];
    const windows = new SimulatedMaintenanceWindows(
      [{ windowId: MW, schedule: 'cron(0 2 ? * SUN *)', timezone: 'UTC', instances: 5, fail: 1 }],
      () => clock,
      (e) => events.push(e),
    );
    const batches = new InMemoryBatches();
    const deps = {
      batches,
      tasks: windows,
      config,
      deployed: { 'sunday-patch': { windowId: MW, targetId: 'target-1' } },
      now: () => clock,
      roster: async () => ({ members: [cto], cto }),
    };
    const finding = makeSignal({
      source: 'aws.inspector2',
      severityHint: 'high',
      subject: 'CVE-2026-0001',
      attributes: { fixAvailable: 'YES', vulnerabilityId: 'CVE-2026-0001' },
    });
    const { batch } = await proposePatchFinding(finding, 'INC-1', deps);
    await decidePatchBatch(
      { batchId: batch!.id, action: 'approve', actor: { userId: cto.slackUserId, teamId: 'T0FIREBRK01' } },
      deps,
    );
    await registerApprovedBatch(batch!.id, deps);
    expect(windows.calls.map((c) => c.api)).toEqual(['RegisterTaskWithMaintenanceWindow']);
    expect(windows.calls[0]!.input).toMatchObject({
      WindowId: MW,
      TaskArn: 'AWS-RunPatchBaseline',
      MaxConcurrency: '10%',
      MaxErrors: '5%',
    });

    clock = new Date('2026-11-29T01:59:00.000Z');
    expect(windows.runDue()).toBe(0);
    clock = new Date('2026-11-29T02:01:00.000Z');
    expect(windows.runDue()).toBe(1);
    expect(windows.runDue()).toBe(0);
    expect(events.map((e) => (e as { 'detail-type': string })['detail-type'])).toEqual([
      'Maintenance Window Execution State-change Notification',
      ...Array<string>(5).fill('Maintenance Window Task Target Invocation State-change Notification'),
      'Maintenance Window Task Execution State-change Notification',
      'Maintenance Window Execution State-change Notification',
    ]);
    for (const event of events) await recordWindowStatus(parseWindowStatus(event), deps);
    expect(batches.items.get(batch!.id)).toMatchObject({
      state: 'failed',
      run: { status: 'FAILED', targets: { SUCCESS: 4, FAILED: 1 } },
    });
    expect(windows.calls.map((c) => c.api)).toEqual(['RegisterTaskWithMaintenanceWindow', 'DeregisterTaskFromMaintenanceWindow']);
    // Deregistered: the next Sunday runs nothing.
    clock = new Date('2026-12-06T02:01:00.000Z');
    expect(windows.runDue()).toBe(0);
  });

  it('a window with no approved batch runs nothing, and an unknown window refuses the registration', async () => {
    const windows = new SimulatedMaintenanceWindows(
      [{ windowId: MW, schedule: 'cron(0 2 ? * SUN *)', timezone: 'UTC', instances: 3 }],
      () => new Date('2026-11-30T00:00:00.000Z'),
      () => {},
    );
    expect(windows.runDue()).toBe(0);
    await expect(windows.registerPatchTask({ WindowId: 'mw-0123456789abcdef0' } as never)).rejects.toThrow(
      'DoesNotExistException',
    );
  });
});
