/**
 * Untrusted text (alarm names, finding titles, reject reasons, resolve notes) reaches Slack inert:
 * escaped in every message, update and reply, through really signed Slack requests on DynamoDB Local
 * (harness: slack-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../functions/core/signals/signal.ts';
import { fixture, withNewId } from '../support.ts';
import {
  CTO,
  SENIOR1,
  RESPONDER,
  runtime,
  freshRuntimePerTest,
  openIncident,
  isolateRequest,
  request,
  audit,
  incidentMessage,
  requestMessage,
  blocksText,
  command,
} from './slack-harness.ts';

describe('untrusted text reaches Slack inert', () => {
  freshRuntimePerTest();
  const ABUSE = 'Deploy <!channel> <https://evil.example|Runbook> <@U0CTO000001> &lt; done';

  function everything(): string {
    return runtime.slack
      .messages()
      .map((m) => `${m.text}\n${JSON.stringify(m.blocks)}`)
      .join('\n');
  }

  it('escapes an alarm name in the incident message, its updates and the list/show replies', async () => {
    const alarm = fixture('cloudwatch-alarm-state-change-alarm.json') as EventEnvelope & { detail: { alarmName: string } };
    alarm.detail.alarmName = ABUSE;
    alarm.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${ABUSE}`];
    const { incident } = await openIncident(alarm);
    expect(incident.title).toBe(`CloudWatch alarm ${ABUSE}`);
    await command(RESPONDER, `ack ${incident.id}`);

    const all = everything();
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;https://evil.example|Runbook&gt;');
    expect(all).toContain('&amp;lt;');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<https://evil');
    expect(all).not.toContain('<@U0CTO000001>');

    for (const text of [(await command(CTO, 'list')).text, (await command(CTO, `show ${incident.id}`)).text]) {
      expect(text).toContain('&lt;!channel&gt;');
      expect(text).not.toMatch(/<!channel>|<https:\/\/evil|<@U0CTO000001>/);
    }
  });

  it('escapes a GuardDuty finding title and description everywhere it is shown', async () => {
    const finding = withNewId(fixture('guardduty-finding-ec2-high-wrapped.json')) as EventEnvelope & {
      detail: { title: string; description: string };
    };
    finding.detail.title = `Finding ${ABUSE}`;
    finding.detail.description = `Described ${ABUSE}`;
    const { incident } = await openIncident(finding);
    const top = incidentMessage(incident);
    expect(top.text).toContain(
      'Finding Deploy &lt;!channel&gt; &lt;https://evil.example|Runbook&gt; &lt;@U0CTO000001&gt; &amp;lt; done',
    );
    expect(blocksText(top)).toContain('Described Deploy &lt;!channel&gt;');
    expect(`${top.text}${blocksText(top)}`).not.toMatch(/<!channel>|<https:\/\/evil|<@U0CTO000001>/);
    expect(everything()).not.toContain('<!channel>');
  });

  it('a reject reason with a mention is stored as typed but rendered escaped, never as a mention', async () => {
    const { incident, request: pending } = await isolateRequest();
    const reply = await command(
      SENIOR1,
      `reject ${pending.id.toLowerCase()} <!channel> <@U0CTO000001> see <https://evil.example|this>`,
    );
    expect(reply.text).toBe(
      `${pending.id} rejected by <@${SENIOR1}>: &lt;!channel&gt; &lt;@U0CTO000001&gt; see &lt;https://evil.example|this&gt;`,
    );
    const rejected = await request(pending.id);
    expect(rejected.reason).toBe('<!channel> <@U0CTO000001> see <https://evil.example|this>');
    const message = requestMessage(pending.id);
    const shown = `${message.text}${blocksText(message)}`;
    expect(shown).toContain(
      `Rejected by <@${SENIOR1}> at 2026-11-23 09:00:00 UTC: &lt;!channel&gt; &lt;@U0CTO000001&gt; see &lt;https://evil.example|this&gt;.`,
    );
    expect(shown).not.toMatch(/<!channel>|<@U0CTO000001>|<https:\/\/evil/);
    expect((await command(CTO, `show ${incident.id}`)).text).not.toMatch(/<!channel>|<https:\/\/evil/);
    expect(everything()).not.toContain('<!channel>');
  });

  it('a resolve note with markup is kept in the audit but never posted raw', async () => {
    const { incident } = await openIncident();
    const reply = await command(RESPONDER, `resolve ${incident.id} <!here> fixed by <https://evil.example|me>`);
    expect(reply.text).toBe(`${incident.id} resolved by <@${RESPONDER}>.`);
    expect((await audit(incident.id)).find((a) => a.action === 'incident.resolved')?.data).toEqual({
      note: '<!here> fixed by <https://evil.example|me>',
      by: RESPONDER,
    });
    expect(everything()).not.toMatch(/<!here>|<https:\/\/evil/);
  });
});
