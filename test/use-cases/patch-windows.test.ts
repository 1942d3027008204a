import { readFileSync } from 'node:fs';
import {
  DeregisterTaskFromMaintenanceWindowCommand,
  RegisterTaskWithMaintenanceWindowCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { AwsMaintenanceWindowGateway } from '../../functions/adapters/maintenance-window-gateway.ts';
import type { RosterMember } from '../../functions/core/approval/roster.ts';
import { parseConfig } from '../../functions/core/config.ts';
import { parseWindowStatus } from '../../functions/core/maintenance/window-status.ts';
import { normalizeEvent } from '../../functions/core/signals/normalize-signals.ts';
import {
  decidePatchBatch,
  proposePatchFinding,
  recordWindowStatus,
  registerApprovedBatch,
  type PatchWindowDependencies,
} from '../../functions/workflow/patch-windows.ts';
import { configInput, makeSignal } from '../core/helpers.ts';
import { InMemoryBatches } from '../support/in-memory-batches.ts';

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
          maxConcurrency: '25%',
          maxErrors: '1',
        },
      ],
    },
  }),
);
const cto: RosterMember = { slackUserId: 'U0CTO000001', name: 'Dana Okafor', role: 'cto' };
const members: RosterMember[] = [cto, { slackUserId: 'U0SENIOR001', name: 'Priya Raman', role: 'senior' }];
const MW = 'mw-0ed7251d3fcf6e0c2';

function harness(now = '2026-11-23T09:00:00.000Z') {
  const batches = new InMemoryBatches();
  const client = new SSMClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const ssm = mockClient(client);
  ssm.on(RegisterTaskWithMaintenanceWindowCommand).resolves({ WindowTaskId: 'wt-task-0001' });
  ssm.on(DeregisterTaskFromMaintenanceWindowCommand).resolves({});
  let clock = new Date(now);
  const deps: PatchWindowDependencies = {
    batches,
    tasks: new AwsMaintenanceWindowGateway(client),
    config,
    deployed: { 'sunday-patch': { windowId: MW, targetId: 'e7265f13-3cc5-4f2f-97a9-7d3ca86c32a6' } },
    now: () => clock,
    roster: async () => ({ members, cto }),
  };
  return { batches, ssm, deps, setNow: (iso: string) => (clock = new Date(iso)) };
}

const inspector = JSON.parse(
  readFileSync(new URL('../fixtures/events/inspector2-finding-ec2-package-vulnerability-active.json', import.meta.url), 'utf8'),
);
const windowEvent = (detailType: string, status: string, id: string) =>
  parseWindowStatus({
    id,
    'detail-type': detailType,
    source: 'aws.ssm',
    detail: {
      'window-id': MW,
      'window-execution-id': 'b60fb56e-776c-4e5c-84ee-123456789012',
      'task-execution-id': 't-1',
      status,
    },
  });

describe('patch findings into maintenance windows', () => {
  it('a MEDIUM Inspector finding with a fix joins the next window batch; the CTO approves; the task is registered; the run comes back', async () => {
    const { batches, ssm, deps, setNow } = harness();
    const [signal] = normalizeEvent(inspector).signals;
    const proposed = await proposePatchFinding(signal!, 'INC-1', deps);
    expect(proposed.route).toEqual({ route: 'window', windowId: 'sunday-patch' });
    expect(proposed.batch).toMatchObject({
      id: 'PB-sunday-patch-202611290200',
      state: 'awaiting_approval',
      opensAt: '2026-11-29T02:00:00.000Z',
    });
    // The same CVE on another instance joins the same entry; a redelivery changes nothing.
    await proposePatchFinding({ ...signal!, resources: ['i-0other'] }, 'INC-1', deps);
    await proposePatchFinding({ ...signal!, resources: ['i-0other'] }, 'INC-1', deps);
    expect(batches.items.get('PB-sunday-patch-202611290200')!.findings).toEqual([
      {
        vulnerabilityId: 'CVE-2022-3303',
        title: signal!.title,
        severity: 'medium',
        resources: ['i-0c2a343f1948d5205', 'i-0other'],
        incidentId: 'INC-1',
      },
    ]);

    const refused = await decidePatchBatch(
      { batchId: 'PB-sunday-patch-202611290200', action: 'approve', actor: { userId: 'U0SENIOR001', teamId: 'T0FIREBRK01' } },
      deps,
    );
    expect(refused).toEqual({ ok: false, refusal: 'cto_available' });
    expect(ssm.commandCalls(RegisterTaskWithMaintenanceWindowCommand)).toHaveLength(0);

    const approved = await decidePatchBatch(
      { batchId: 'PB-sunday-patch-202611290200', action: 'approve', actor: { userId: 'U0CTO000001', teamId: 'T0FIREBRK01' } },
      deps,
    );
    // The Slack path only decides: the approval is announced and the maintenance function registers.
    expect(approved).toMatchObject({ ok: true, outcome: 'approved', batch: { state: 'approved' } });
    expect(ssm.commandCalls(RegisterTaskWithMaintenanceWindowCommand)).toHaveLength(0);
    expect(batches.events.slice(-2)).toEqual([
      { detailType: 'Patch Batch Changed', detail: { batchId: 'PB-sunday-patch-202611290200', version: 3, state: 'approved' } },
      { detailType: 'Patch Batch Approved', detail: { batchId: 'PB-sunday-patch-202611290200' } },
    ]);
    expect(await registerApprovedBatch('PB-sunday-patch-202611290200', deps)).toMatchObject({
      state: 'registered',
      windowTaskId: 'wt-task-0001',
    });
    // A redelivered approval finds it registered: nothing registered twice.
    expect(await registerApprovedBatch('PB-sunday-patch-202611290200', deps)).toBeUndefined();
    expect(ssm.commandCalls(RegisterTaskWithMaintenanceWindowCommand).map((c) => c.args[0].input)).toEqual([
      {
        WindowId: MW,
        Targets: [{ Key: 'WindowTargetIds', Values: ['e7265f13-3cc5-4f2f-97a9-7d3ca86c32a6'] }],
        TaskArn: 'AWS-RunPatchBaseline',
        TaskType: 'RUN_COMMAND',
        Priority: 1,
        MaxConcurrency: '25%',
        MaxErrors: '1',
        Name: 'PB-sunday-patch-202611290200',
        Description: 'Firebreak patch batch PB-sunday-patch-202611290200: 1 finding(s)',
        TaskInvocationParameters: {
          RunCommand: {
            Parameters: { Operation: ['Install'], RebootOption: ['RebootIfNeeded'] },
            Comment: 'PB-sunday-patch-202611290200 approved by U0CTO000001',
            TimeoutSeconds: 3600,
          },
        },
        ClientToken: 'PB-sunday-patch-202611290200',
      },
    ]);
    // A second click finds it decided: nothing registered twice.
    expect(
      await decidePatchBatch(
        { batchId: 'PB-sunday-patch-202611290200', action: 'approve', actor: { userId: 'U0CTO000001', teamId: 'T0FIREBRK01' } },
        deps,
      ),
    ).toEqual({
      ok: false,
      refusal: 'already_decided',
    });

    setNow('2026-11-29T02:00:30.000Z');
    await recordWindowStatus(windowEvent('Maintenance Window Execution State-change Notification', 'IN_PROGRESS', 'e1'), deps);
    await recordWindowStatus(
      windowEvent('Maintenance Window Task Target Invocation State-change Notification', 'SUCCESS', 'e2'),
      deps,
    );
    await recordWindowStatus(
      windowEvent('Maintenance Window Task Target Invocation State-change Notification', 'FAILED', 'e3'),
      deps,
    );
    const done = await recordWindowStatus(
      windowEvent('Maintenance Window Execution State-change Notification', 'SUCCESS', 'e4'),
      deps,
    );
    expect(done).toMatchObject({ state: 'succeeded', run: { status: 'SUCCESS', targets: { SUCCESS: 1, FAILED: 1 } } });
    expect(ssm.commandCalls(DeregisterTaskFromMaintenanceWindowCommand).map((c) => c.args[0].input)).toEqual([
      { WindowId: MW, WindowTaskId: 'wt-task-0001' },
    ]);
    expect(batches.audit.map((a) => `${a.actor} ${a.action}`)).toEqual([
      'system:maintenance patch_batch.proposed',
      'system:maintenance patch_batch.finding_added',
      'slack:U0SENIOR001 patch_batch.approve_refused',
      'slack:U0CTO000001 patch_batch.approved',
      'system:maintenance patch_batch.registered',
      'slack:U0CTO000001 patch_batch.approve_refused',
      'aws.ssm patch_batch.window_window_in_progress',
      'aws.ssm patch_batch.window_target_success',
      'aws.ssm patch_batch.window_target_failed',
      'aws.ssm patch_batch.window_window_success',
    ]);
  });

  it('critical findings keep emergency patching: nothing is batched', async () => {
    const { batches, deps } = harness();
    const critical = makeSignal({
      source: 'aws.inspector2',
      severityHint: 'critical',
      attributes: { fixAvailable: 'YES', vulnerabilityId: 'CVE-1' },
    });
    expect((await proposePatchFinding(critical, 'INC-2', deps)).route.route).toBe('classification');
    expect(batches.items.size).toBe(0);
  });

  it('a batch not approved before the cutoff expires; a registration that fails leaves it approved for the redelivery', async () => {
    const { batches, ssm, deps, setNow } = harness();
    const [signal] = normalizeEvent(inspector).signals;
    await proposePatchFinding(signal!, undefined, deps);
    setNow('2026-11-29T05:00:00.000Z');
    expect(
      await decidePatchBatch(
        { batchId: 'PB-sunday-patch-202611290200', action: 'approve', actor: { userId: 'U0CTO000001', teamId: 'T0FIREBRK01' } },
        deps,
      ),
    ).toEqual({
      ok: false,
      refusal: 'expired',
    });
    setNow('2026-11-24T09:00:00.000Z');
    ssm.on(RegisterTaskWithMaintenanceWindowCommand).rejects(new Error('ThrottlingException'));
    expect(
      await decidePatchBatch(
        { batchId: 'PB-sunday-patch-202611290200', action: 'approve', actor: { userId: 'U0CTO000001', teamId: 'T0FIREBRK01' } },
        deps,
      ),
    ).toMatchObject({ ok: true, outcome: 'approved' });
    await expect(registerApprovedBatch('PB-sunday-patch-202611290200', deps)).rejects.toThrow('ThrottlingException');
    expect(batches.items.get('PB-sunday-patch-202611290200')!.state).toBe('approved');
    // EventBridge's retry finishes the registration with the same client token.
    ssm.on(RegisterTaskWithMaintenanceWindowCommand).resolves({ WindowTaskId: 'wt-task-0002' });
    await registerApprovedBatch('PB-sunday-patch-202611290200', deps);
    expect(batches.items.get('PB-sunday-patch-202611290200')).toMatchObject({
      state: 'registered',
      windowTaskId: 'wt-task-0002',
    });
    expect(new Set(ssm.commandCalls(RegisterTaskWithMaintenanceWindowCommand).map((c) => c.args[0].input.ClientToken))).toEqual(
      new Set(['PB-sunday-patch-202611290200']),
    );
  });

  it('status events of a window Firebreak does not know change nothing', async () => {
    const { deps } = harness();
    const foreign = parseWindowStatus({
      id: 'x',
      'detail-type': 'Maintenance Window Execution State-change Notification',
      source: 'aws.ssm',
      detail: { 'window-id': 'mw-0123456789abcdef0', 'window-execution-id': 'e', status: 'SUCCESS' },
    });
    expect(await recordWindowStatus(foreign, deps)).toBeUndefined();
  });
});
