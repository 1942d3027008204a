import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config.ts';
import type { RosterMember } from '../../../functions/core/approval/roster.ts';
import {
  addFinding,
  batchIdFor,
  decideBatch,
  markRegistered,
  registerTaskInput,
  type PatchBatch,
} from '../../../functions/core/maintenance/patch-batch.ts';
import { patchRoute } from '../../../functions/core/maintenance/patch-triage.ts';
import { nextOccurrence, toCronFields } from '../../../functions/core/maintenance/window-schedule.ts';
import { applyWindowStatus, parseWindowStatus } from '../../../functions/core/maintenance/window-status.ts';
import { batchText, scheduleText } from '../../../functions/core/maintenance/messages.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import { configInput, makeSignal } from '../helpers.ts';

const WINDOW = {
  id: 'sunday-patch',
  schedule: 'cron(0 2 ? * SUN *)',
  timezone: 'Europe/Berlin',
  durationHours: 4,
  cutoffHours: 1,
  targets: { key: 'firebreak:fleet', values: ['production'] },
  maxConcurrency: '20%',
  maxErrors: '2',
};
const config = (maintenance: Record<string, unknown> = { windows: [WINDOW] }) => parseConfig(configInput({ maintenance }));
const inspectorFixture = JSON.parse(
  readFileSync(
    new URL('../../fixtures/events/inspector2-finding-ec2-package-vulnerability-active.json', import.meta.url),
    'utf8',
  ),
);

describe('maintenance configuration', () => {
  it('defaults keep existing configurations valid: no windows, Inspector HIGH/MEDIUM with a fix', () => {
    const parsed = parseConfig(configInput());
    expect(parsed.maintenance).toEqual({
      windows: [],
      patchFindings: { sources: ['aws.inspector2'], severities: ['high', 'medium'], requireFixAvailable: true },
      risk: 'medium',
      ctoSilentHours: 24,
    });
    expect(config().maintenance.windows[0]).toMatchObject({
      maxConcurrency: '20%',
      maxErrors: '2',
      rebootOption: 'RebootIfNeeded',
      description: '',
    });
  });

  it.each([
    [{ ...WINDOW, schedule: 'cron(0 2 ? * 1 *)' }, 'day names'],
    [{ ...WINDOW, schedule: '0 2 * * SUN' }, 'SSM cron expression'],
    [{ ...WINDOW, schedule: 'cron(0 2 * * SUN *)' }, 'exactly one of day-of-month and day-of-week'],
    [{ ...WINDOW, schedule: 'cron(0 2 ? * SUN 2027)' }, 'year field'],
    [{ ...WINDOW, cutoffHours: 4 }, 'cutoffHours must be less than durationHours'],
    [{ ...WINDOW, maxConcurrency: '0' }, 'count (10) or a percentage'],
    [{ ...WINDOW, id: 'Sunday Patch' }, 'lower-case'],
  ])('refuses a window %#: %s', (window, message) => {
    expect(() => config({ windows: [window] })).toThrow(message);
  });

  it('refuses duplicate window ids and a patch window that does not exist', () => {
    expect(() => config({ windows: [WINDOW, WINDOW] })).toThrow('window ids must be unique');
    expect(() => config({ windows: [WINDOW], patchFindings: { window: 'nope' } })).toThrow('"nope" is not a configured window');
  });
});

describe('window schedule', () => {
  it('reads SSM cron in the window time zone: Sunday 02:00 in Berlin is 01:00 UTC in winter', () => {
    expect(toCronFields('cron(30 2 ? * SUN *)')).toBe('30 2 * * SUN');
    expect(nextOccurrence(config().maintenance.windows[0]!, '2026-11-23T09:00:00.000Z')).toEqual({
      opensAt: '2026-11-29T01:00:00.000Z',
      closesAt: '2026-11-29T05:00:00.000Z',
      lastStartAt: '2026-11-29T04:00:00.000Z',
    });
  });

  it('a window that opens exactly now is not the next one', () => {
    expect(nextOccurrence(config().maintenance.windows[0]!, '2026-11-29T01:00:00.000Z').opensAt).toBe('2026-12-06T01:00:00.000Z');
  });

  it('follows daylight saving time: summer and winter Sundays, and the Sunday whose 02:30 does not exist', () => {
    const window = { ...config().maintenance.windows[0]!, schedule: 'cron(30 2 ? * SUN *)' };
    expect(nextOccurrence(window, '2027-03-29T00:00:00.000Z').opensAt).toBe('2027-04-04T00:30:00.000Z');
    expect(nextOccurrence(window, '2027-10-30T12:00:00.000Z').opensAt).toBe('2027-10-31T00:30:00.000Z');
    // 2027-03-28 Berlin jumps from 02:00 to 03:00: the window is taken to open when the gap ends (03:00 summer
    // time). SSM does not document this case; the window itself runs when SSM runs it, this is the proposal's estimate.
    expect(nextOccurrence(window, '2027-03-27T12:00:00.000Z').opensAt).toBe('2027-03-28T01:00:00.000Z');
  });
});

describe('patch triage', () => {
  const maintenance = config().maintenance;
  it('the Inspector sample (MEDIUM, fix available) waits for the window', () => {
    const [signal] = normalizeEvent(inspectorFixture).signals;
    expect(patchRoute(signal!, maintenance)).toEqual({ route: 'window', windowId: 'sunday-patch' });
  });

  it.each([
    [{ severityHint: 'critical' as const }, 'emergency'],
    [{ severityHint: 'low' as const }, 'severity low'],
    [{ attributes: { fixAvailable: 'NO' } }, 'no fix is available'],
    [{ state: 'recovered' as const }, 'closed'],
    [{ source: 'aws.guardduty' }, 'not a patch finding source'],
  ])('keeps the classification for %o', (overrides, reason) => {
    const signal = makeSignal({
      source: 'aws.inspector2',
      severityHint: 'high',
      attributes: { fixAvailable: 'YES' },
      ...overrides,
    });
    const route = patchRoute(signal, maintenance);
    expect(route.route).toBe('classification');
    expect(route.route === 'classification' && route.reason).toContain(reason);
  });

  it('without windows nothing waits', () => {
    const signal = makeSignal({ source: 'aws.inspector2', severityHint: 'high', attributes: { fixAvailable: 'YES' } });
    expect(patchRoute(signal, parseConfig(configInput()).maintenance).route).toBe('classification');
  });
});

const NOW = '2026-11-23T09:00:00.000Z';
const cto: RosterMember = { slackUserId: 'U0CTO000001', name: 'Dana', role: 'cto' };
const seniors: RosterMember[] = [
  { slackUserId: 'U0SENIOR001', name: 'Priya', role: 'senior' },
  { slackUserId: 'U0SENIOR002', name: 'Mateo', role: 'senior' },
];
const responder: RosterMember = { slackUserId: 'U0RESPOND01', name: 'Sam', role: 'responder' };

function batch(): PatchBatch {
  const window = config().maintenance.windows[0]!;
  const next = nextOccurrence(window, NOW);
  let b = addFinding(
    undefined,
    { vulnerabilityId: 'CVE-2022-3303', title: 'kernel race', severity: 'medium', resources: ['i-1'] },
    window,
    next,
    NOW,
  );
  b = addFinding(
    b,
    { vulnerabilityId: 'CVE-2022-3303', title: 'kernel race', severity: 'medium', resources: ['i-2', 'i-1'] },
    window,
    next,
    NOW,
  );
  return addFinding(
    b,
    { vulnerabilityId: 'CVE-2023-0001', title: 'openssl', severity: 'high', resources: ['i-3'] },
    window,
    next,
    NOW,
  );
}

const decide = (member: RosterMember | undefined, overrides: Partial<Parameters<typeof decideBatch>[0]> = {}) =>
  decideBatch({
    batch: batch(),
    action: 'approve',
    actor: { userId: member?.slackUserId ?? 'U0STRANGER1', teamId: 'T0FIREBRK01' },
    workspaceTeamId: 'T0FIREBRK01',
    member,
    cto,
    now: '2026-11-23T10:00:00.000Z',
    maintenance: { ctoSilentHours: 24, risk: 'medium' },
    seniorQuorum: { low: 1, medium: 2, high: 2 },
    ...overrides,
  });

describe('patch batches', () => {
  it('groups findings per window occurrence, one entry per vulnerability across instances', () => {
    const b = batch();
    expect(b.id).toBe(batchIdFor('sunday-patch', '2026-11-29T01:00:00.000Z'));
    expect(b.id).toBe('PB-sunday-patch-202611290100');
    expect(b.findings.map((f) => [f.vulnerabilityId, f.resources])).toEqual([
      ['CVE-2022-3303', ['i-1', 'i-2']],
      ['CVE-2023-0001', ['i-3']],
    ]);
    expect(b).toMatchObject({ state: 'awaiting_approval', version: 3, opensAt: '2026-11-29T01:00:00.000Z' });
  });

  it('the CTO approves the batch alone', () => {
    const d = decide(cto);
    expect(d).toMatchObject({ allowed: true, outcome: 'approved', batch: { state: 'approved', decidedBy: ['U0CTO000001'] } });
    expect(() => markRegistered(batch(), 'task-1')).toThrow('not approved');
  });

  it('refuses seniors while the CTO is available, then needs two of them once the CTO is silent past ctoSilentHours', () => {
    expect(decide(seniors[0])).toEqual({ allowed: false, refusal: 'cto_available' });
    const later = '2026-11-24T09:00:00.000Z';
    const first = decide(seniors[0], { now: later });
    expect(first).toMatchObject({ allowed: true, outcome: 'approval_recorded' });
    const again = decide(seniors[0], { now: later, batch: first.allowed ? first.batch : undefined });
    expect(again).toEqual({ allowed: false, refusal: 'already_approved' });
    const second = decide(seniors[1], { now: later, batch: first.allowed ? first.batch : undefined });
    expect(second).toMatchObject({ allowed: true, outcome: 'approved', batch: { decidedBy: ['U0SENIOR001', 'U0SENIOR002'] } });
  });

  it('seniors may approve while the CTO is away', () => {
    const away = { ...cto, awayUntil: '2026-11-30T00:00:00.000Z' };
    expect(decide(seniors[0], { cto: away, seniorQuorum: { low: 1, medium: 1, high: 2 } })).toMatchObject({
      outcome: 'approved',
    });
  });

  it.each([
    ['a responder', () => decide(responder), 'wrong_role'],
    ['someone off the roster', () => decide(undefined), 'not_on_roster'],
    ['another workspace', () => decide(cto, { actor: { userId: cto.slackUserId, teamId: 'T0OTHER0001' } }), 'other_workspace'],
    ['after the cutoff', () => decide(cto, { now: '2026-11-29T04:00:00.000Z' }), 'expired'],
    ['a decided batch', () => decide(cto, { batch: { ...batch(), state: 'registered' } }), 'already_decided'],
    [
      'a roster entry of someone else',
      () => decide(cto, { actor: { userId: 'U0SENIOR001', teamId: 'T0FIREBRK01' } }),
      'not_on_roster',
    ],
  ])('refuses %s', (_what, attempt, refusal) => {
    expect(attempt()).toEqual({ allowed: false, refusal });
  });

  it('a rejection ends the batch', () => {
    expect(decide(seniors[0], { action: 'reject' })).toMatchObject({
      allowed: true,
      outcome: 'rejected',
      batch: { state: 'rejected' },
    });
  });

  it('builds the exact RegisterTaskWithMaintenanceWindow input with the window rate control', () => {
    const d = decide(cto);
    if (!d.allowed) throw new Error('expected approval');
    expect(
      registerTaskInput(d.batch, config().maintenance.windows[0]!, {
        windowId: 'mw-0ed7251d3fcf6e0c2',
        targetId: 'e7265f13-3cc5-4f2f-97a9-7d3ca86c32a6',
      }),
    ).toEqual({
      WindowId: 'mw-0ed7251d3fcf6e0c2',
      Targets: [{ Key: 'WindowTargetIds', Values: ['e7265f13-3cc5-4f2f-97a9-7d3ca86c32a6'] }],
      TaskArn: 'AWS-RunPatchBaseline',
      TaskType: 'RUN_COMMAND',
      Priority: 1,
      MaxConcurrency: '20%',
      MaxErrors: '2',
      Name: 'PB-sunday-patch-202611290100',
      Description: 'Firebreak patch batch PB-sunday-patch-202611290100: 2 finding(s)',
      TaskInvocationParameters: {
        RunCommand: {
          Parameters: { Operation: ['Install'], RebootOption: ['RebootIfNeeded'] },
          Comment: 'PB-sunday-patch-202611290100 approved by U0CTO000001',
          TimeoutSeconds: 3600,
        },
      },
      ClientToken: 'PB-sunday-patch-202611290100',
    });
  });
});

const statusEvent = (detailType: string, detail: Record<string, string>, id = 'evt-1') => ({
  version: '0',
  id,
  'detail-type': detailType,
  source: 'aws.ssm',
  account: '123456789012',
  time: '2026-11-29T01:00:57Z',
  region: 'us-east-1',
  resources: ['arn:aws:ssm:us-east-1:123456789012:maintenancewindow/mw-0ed7251d3fcf6e0c2'],
  detail: { 'window-id': 'mw-0ed7251d3fcf6e0c2', 'window-execution-id': 'b60fb56e-776c-4e5c-84ee-123456789012', ...detail },
});

describe('window status events', () => {
  const registered = markRegistered({ ...batch(), state: 'approved' }, 'task-1');
  it('target invocations count, the window execution ends the batch', () => {
    let b = applyWindowStatus(
      registered,
      parseWindowStatus(statusEvent('Maintenance Window Execution State-change Notification', { status: 'IN_PROGRESS' })),
    )!;
    expect(b).toMatchObject({ state: 'running', run: { status: 'IN_PROGRESS', targets: {} } });
    for (const status of ['SUCCESS', 'SUCCESS', 'FAILED', 'IN_PROGRESS'])
      b =
        applyWindowStatus(
          b,
          parseWindowStatus(
            statusEvent('Maintenance Window Task Target Invocation State-change Notification', {
              status,
              'task-execution-id': '6417e808-7f35-4d1a-843f-123456789012',
              'window-target-id': 'e7265f13',
            }),
          ),
        ) ?? b;
    expect(b.run!.targets).toEqual({ SUCCESS: 2, FAILED: 1 });
    const done = applyWindowStatus(
      b,
      parseWindowStatus(statusEvent('Maintenance Window Execution State-change Notification', { status: 'FAILED' })),
    )!;
    expect(done).toMatchObject({ state: 'failed', run: { status: 'FAILED' } });
    expect(batchText(done, config().maintenance.windows[0]!)).toContain('targets 2 success, 1 failed');
    expect(
      applyWindowStatus(
        done,
        parseWindowStatus(statusEvent('Maintenance Window Execution State-change Notification', { status: 'SUCCESS' })),
      ),
    ).toBeUndefined();
  });

  it('ignores another execution and batches not registered', () => {
    const running = applyWindowStatus(
      registered,
      parseWindowStatus(statusEvent('Maintenance Window Execution State-change Notification', { status: 'IN_PROGRESS' })),
    )!;
    const other = statusEvent('Maintenance Window Execution State-change Notification', {
      status: 'SUCCESS',
      'window-execution-id': 'other',
    });
    expect(applyWindowStatus(running, parseWindowStatus(other))).toBeUndefined();
    expect(applyWindowStatus(batch(), parseWindowStatus(other))).toBeUndefined();
  });

  it('refuses events that are not window status events', () => {
    expect(() =>
      parseWindowStatus({ ...statusEvent('Maintenance Window State-change Notification', { status: 'DISABLED' }) }),
    ).toThrow();
    expect(() =>
      parseWindowStatus(statusEvent('Maintenance Window Execution State-change Notification', { status: 'BOGUS' })),
    ).toThrow();
  });
});

describe('Slack text', () => {
  it('shows what is scheduled for which window, escaping finding text', () => {
    const b = addFinding(
      batch(),
      { vulnerabilityId: '<!channel>', title: 'x', severity: 'high', resources: [] },
      WINDOW,
      nextOccurrence(config().maintenance.windows[0]!, NOW),
      NOW,
    );
    const text = scheduleText(config().maintenance.windows, [b], NOW);
    expect(text).toContain('*`sunday-patch`* next opens 2026-11-29 01:00:00 UTC for 4 h');
    expect(text).toContain('`PB-sunday-patch-202611290100`');
    expect(text).toContain('`CVE-2022-3303` (medium)');
    expect(text).not.toContain('<!channel>');
    expect(scheduleText(config().maintenance.windows, [], NOW)).toContain('nothing scheduled');
    expect(scheduleText([], [], NOW)).toContain('No maintenance windows');
  });
});
