/**
 * Patch batches end to end on the local runtime: the real ingest, Slack and maintenance handlers on
 * DynamoDB Local, signed Slack clicks, and the SIMULATED maintenance windows on the virtual clock.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { verifyChain } from '../../functions/core/audit/chain.ts';
import { parseConfig } from '../../functions/core/config.ts';
import { renderMessageText } from '../../functions/core/slack/message-text.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import { readFileSync } from 'node:fs';
import { fixture } from '../support.ts';

const BATCH = 'PB-sunday-patch-202611290200';
let runtime: LocalRuntime;
const rt = () => runtime;

beforeAll(async () => {
  const base = JSON.parse(readFileSync(new URL('../../firebreak.config.json', import.meta.url), 'utf8')) as object;
  runtime = await startLocalRuntime({
    config: parseConfig({
      ...base,
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
    start: '2026-11-23T09:00:00.000Z',
    endpoint: inject('dynamoEndpoint'),
    tableName: `patch-batches-${process.pid}`,
  });
});
afterAll(() => runtime?.stop());

const batchMessages = () =>
  rt()
    .slack.messages()
    .filter((m) => renderMessageText(m).includes(BATCH));
const button = (actionId: string) => {
  const message = batchMessages().find((m) => JSON.stringify(m.blocks).includes(actionId));
  return message ? { actionId, value: BATCH, channel: message.channel, ts: message.ts } : undefined;
};
const replyText = (response: { body: string }) =>
  response.body ? String((JSON.parse(response.body) as { text?: string }).text ?? '') : '';
/** A click's answer: the ephemeral reply through its response_url, or the refusal in the HTTP answer. */
async function clickReply(user: string, target: Parameters<LocalRuntime['click']>[1], options?: { teamId?: string }) {
  const before = rt().slack.responses().length;
  const response = await rt().click(user, target, options);
  const replies = rt()
    .slack.responses()
    .slice(before)
    .map((r) => String(r.body.text ?? ''));
  return [replyText(response), ...replies].join('\n');
}

describe('a patch batch from finding to window run', () => {
  it('an Inspector MEDIUM finding with a fix is batched for the next window, posted once with Approve/Reject', async () => {
    const event = fixture('inspector2-finding-ec2-package-vulnerability-active.json');
    rt().bus.put('default', event);
    rt().bus.put('default', event);
    await rt().bus.drain();
    const batch = await rt().repositories.batches.getBatch(BATCH);
    expect(batch).toMatchObject({ state: 'awaiting_approval', windowId: 'sunday-patch', opensAt: '2026-11-29T02:00:00.000Z' });
    expect(batch!.findings.map((f) => f.vulnerabilityId)).toEqual(['CVE-2022-3303']);
    expect(batchMessages().filter((m) => !m.thread_ts)).toHaveLength(1);
    expect(button('patch_batch_approve')).toBeDefined();
    expect(rt().maintenanceWindows.calls).toEqual([]);
  });

  it('/firebreak windows shows the batch under its window', async () => {
    const text = replyText(await rt().command('U0RESPOND01', 'windows'));
    expect(text).toContain('sunday-patch');
    expect(text).toContain(BATCH);
    expect(replyText(await rt().command('U0RESPOND01', 'windows now'))).toContain('takes no arguments');
  });

  it('refusals are answered and audited: a responder, a senior while the CTO is available, another workspace, a forged id', async () => {
    const approve = button('patch_batch_approve')!;
    expect(await clickReply('U0RESPOND01', approve)).toContain('Only the CTO');
    expect(await clickReply('U0SENIOR001', approve)).toContain('The CTO is available');
    expect(await clickReply('U0CTO000001', approve, { teamId: 'T0OTHER0001' })).toContain('does not accept');
    expect(await clickReply('U0CTO000001', { ...approve, value: 'PB-../../x' })).toContain('unknown');
    const chain = await rt().repositories.batches.getAudit(BATCH);
    expect(chain.map((e) => `${e.actor} ${e.action} ${String(e.data.reason ?? '')}`.trim())).toEqual([
      'system:maintenance patch_batch.proposed',
      'slack:U0RESPOND01 patch_batch.approve_refused wrong_role',
      'slack:U0SENIOR001 patch_batch.approve_refused cto_available',
    ]);
    expect((await rt().repositories.batches.getBatch(BATCH))!.state).toBe('awaiting_approval');
  });

  it('the CTO approves: the task is registered with the window rate control; the window opens and the run comes back in the thread', async () => {
    expect(await clickReply('U0CTO000001', button('patch_batch_approve')!)).toContain('approved');
    expect(rt().maintenanceWindows.calls.map((c) => c.api)).toEqual(['RegisterTaskWithMaintenanceWindow']);
    expect(rt().maintenanceWindows.calls[0]!.input).toMatchObject({
      TaskArn: 'AWS-RunPatchBaseline',
      MaxConcurrency: '25%',
      MaxErrors: '1',
      ClientToken: BATCH,
      TaskInvocationParameters: { RunCommand: { Parameters: { Operation: ['Install'], RebootOption: ['RebootIfNeeded'] } } },
    });
    expect((await rt().repositories.batches.getBatch(BATCH))!.state).toBe('registered');
    // The buttons are gone once decided.
    expect(button('patch_batch_approve')).toBeUndefined();

    await rt().advance(6 * 86_400_000);
    const batch = await rt().repositories.batches.getBatch(BATCH);
    expect(batch).toMatchObject({ state: 'succeeded', run: { status: 'SUCCESS', targets: { SUCCESS: 20 } } });
    expect(rt().maintenanceWindows.calls.map((c) => c.api)).toEqual([
      'RegisterTaskWithMaintenanceWindow',
      'DeregisterTaskFromMaintenanceWindow',
    ]);
    const thread = batchMessages()
      .filter((m) => m.thread_ts)
      .map((m) => renderMessageText(m));
    expect(thread).toEqual([
      expect.stringContaining('AWS-RunPatchBaseline registered in its window'),
      expect.stringContaining('the window opened'),
      expect.stringContaining('the window run succeeded · targets 20 success'),
    ]);
    const stored = batch as typeof batch & { auditSeq: number; auditHead: string };
    const chain = await rt().repositories.batches.getAudit(BATCH);
    expect(verifyChain(chain, { seq: stored.auditSeq, hash: stored.auditHead })).toEqual({ valid: true, length: chain.length });
    // One target entry per instance: 20, however often EventBridge delivered them.
    expect(chain.filter((e) => e.action === 'patch_batch.window_target_success')).toHaveLength(20);
  });
});
