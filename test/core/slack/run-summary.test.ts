/** The thread's summary of a mitigation's run: who cancelled as a real mention, untrusted text escaped. */
import { describe, expect, it } from 'vitest';
import type { MitigationRequest } from '../../../functions/core/mitigations/mitigation.ts';
import { progressLine, runSummary } from '../../../functions/core/slack/run-summary.ts';
import { CTO, S1 } from '../mitigations/fixtures.ts';
import { requestFor } from '../mitigations/requests.ts';

const ended = (extra: Record<string, unknown>): MitigationRequest =>
  ({ ...requestFor('collect-diagnostics'), runId: 'cmd-1', ...extra }) as MitigationRequest;

describe('runSummary', () => {
  it('names whoever cancelled as a Slack mention', () => {
    const { text } = runSummary(ended({ state: 'cancelled', decidedBy: [CTO.slackUserId, S1.slackUserId] }), {
      succeeded: 3,
      cancelled: 7,
    });
    expect(text.split('\n')[0]).toMatch(
      new RegExp(
        `\\(\`MIT-[0-9A-Z]+\`\\) cancelled by <@${CTO.slackUserId}> and <@${S1.slackUserId}>\\. Progress: 3 succeeded · 7 cancelled$`,
      ),
    );
  });

  it('shows a decider that is not a Slack user id as escaped text, never as markup', () => {
    const { text } = runSummary(ended({ state: 'cancelled', decidedBy: ['<!channel>'] }), undefined);
    expect(text).toContain('cancelled by &lt;!channel&gt;.');
    expect(text).not.toContain('<!channel>');
  });

  it('says just the outcome when no one is named, and escapes the reason and instance ids', () => {
    const failedInstances = new Set(['i-0b', 'i-0a', '<@U0EVIL>']);
    const { text } = runSummary(ended({ state: 'failed', reason: 'boom <!here>' }), { failed: 3, failedInstances });
    expect(text.split('\n')).toEqual([
      expect.stringMatching(/\) failed\. Progress: 3 failed$/),
      'Failed or timed out: `&lt;@U0EVIL&gt;`, `i-0a`, `i-0b`',
      'Reason: boom &lt;!here&gt;',
    ]);
  });

  it('says no instance had reported when a run ends before any did (cancelled at once), not that it is waiting', () => {
    const { text } = runSummary(ended({ state: 'cancelled', decidedBy: [CTO.slackUserId] }), {});
    expect(text.split('\n')[0]).toMatch(/cancelled by <@[^>]+>\. Progress: no instance had reported$/);
  });

  it('lists at most 50 failed instances and counts the rest', () => {
    const failedInstances = new Set(Array.from({ length: 53 }, (_, i) => `i-${String(i).padStart(4, '0')}`));
    const { text } = runSummary(ended({ state: 'failed' }), { failed: 53, failedInstances });
    expect(text).toContain('`i-0049` and 3 more');
    expect(text).not.toContain('i-0050');
  });
});

describe('progressLine', () => {
  it('counts each bucket in order and says when nothing has started', () => {
    expect(progressLine({ in_progress: 9, succeeded: 9990, timed_out: 1 })).toBe(
      'Progress: 9,990 succeeded · 1 timed out · 9 running',
    );
    expect(progressLine({})).toBe('Progress: waiting for the first instance');
    expect(progressLine(undefined)).toBeUndefined();
  });
});
