/**
 * The incident's own message (untrusted text inert, fields, buttons, limits, states) and its short
 * thread replies (harness: messages-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../../functions/core/slack/button-values.ts';
import { incidentMessage, incidentThreadReply, threadChangeFor } from '../../../functions/core/slack/incident-messages.ts';
import { renderMessageText } from '../../../functions/core/slack/message-text.ts';
import { blockProblems } from '../../../functions/local/block-kit-check.ts';
import { ABUSE, detail, markup, actions } from './messages-harness.ts';

describe('incidentMessage', () => {
  it('renders untrusted text inert: no mention, no disguised link, entities shown as typed', () => {
    const message = incidentMessage(detail({ title: ABUSE, resources: [ABUSE], source: ABUSE }), undefined);
    expect(markup(message)).toEqual([]);
    const json = JSON.stringify(message);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<@U123>');
    expect(json).not.toContain('<https://evil');
    expect(json).toContain('&lt;!channel&gt;');
    expect(json).toContain('&amp;lt;');
    const shown = renderMessageText(message);
    expect(shown).toContain('Alarm <!channel> <@U123> <https://evil.example|Runbook> &lt; done');
    expect(blockProblems(message.blocks)).toEqual([]);
  });

  it('has a header, the fields, and Acknowledge / Resolve buttons carrying the incident id', () => {
    const message = incidentMessage(detail());
    const header = message.blocks[0] as { type: string; text: { type: string; text: string } };
    expect(header.type).toBe('header');
    expect(header.text.text).toBe('SEV2 · security · GuardDuty: UnauthorizedAccess:EC2/SSHBruteForce');
    const shown = renderMessageText(message);
    for (const line of [
      'Severity: SEV2',
      'Category: security',
      'Status: open',
      'Signals: 3',
      'Account / region: `123456789012` / `us-east-1`',
      'First seen: 2026-03-01 10:00:00 UTC',
      'Last seen: 2026-03-01 10:02:00 UTC',
      'Incident: `INC-B2D7BC30C6`',
    ]) {
      expect(shown).toContain(line);
    }
    expect(shown).toContain('[Acknowledge] [Resolve]');
    expect(actions(message).map((a) => [a.action_id, a.value, a.style])).toEqual([
      [ACTION_IDS.incidentAck, 'INC-B2D7BC30C6', 'primary'],
      [ACTION_IDS.incidentResolve, 'INC-B2D7BC30C6', undefined],
    ]);
    expect(message.text).toContain('INC-B2D7BC30C6');
  });

  it('truncates a 10,000-character title within the header and text limits', () => {
    const message = incidentMessage({ ...detail({ title: 'x'.repeat(10_000) }), description: '<'.repeat(10_000) });
    const header = (message.blocks[0] as { text: { text: string } }).text.text;
    expect(header.length).toBeLessThanOrEqual(150);
    expect(header.endsWith('…')).toBe(true);
    expect(message.text.length).toBeLessThanOrEqual(3000);
    expect(blockProblems(message.blocks)).toEqual([]);
    // The description is cut between escapes, never inside one.
    expect(JSON.stringify(message.blocks)).not.toMatch(/&l…|&lt…|&…/);
  });

  it('shows the first resources and +N more, within 50 blocks', () => {
    const resources = Array.from({ length: 60 }, (_, i) => `i-0${String(i).padStart(16, '0')}`);
    const message = incidentMessage(detail({ resources }));
    const shown = renderMessageText(message);
    expect(shown).toContain('Resources* (60)');
    expect(shown).toContain('`i-00000000000000000`');
    expect(shown).not.toContain('i-00000000000000059');
    expect(shown).toContain('+55 more');
    expect(message.blocks.length).toBeLessThanOrEqual(50);
  });

  it('links the source only when it is a plain https URL', () => {
    const good = incidentMessage({
      ...detail(),
      url: 'https://console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?fId=abc',
    });
    expect(markup(good)).toEqual([
      '<https://console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?fId=abc|Open in console>',
    ]);
    for (const url of [
      'https://evil.example|Runbook',
      'http://console.aws.amazon.com/',
      'javascript:alert(1)',
      'https://x.example/<!channel>',
    ]) {
      const message = incidentMessage({ ...detail(), url });
      expect(markup(message)).toEqual([]);
      expect(renderMessageText(message)).not.toContain('Open in console');
    }
  });

  it('has no buttons once resolved or closed, and says so', () => {
    for (const status of ['resolved', 'closed'] as const) {
      const message = incidentMessage({ ...detail({ status }), resolvedBy: 'U0SENIOR001' });
      expect(actions(message)).toEqual([]);
      expect(renderMessageText(message)).toMatch(status === 'resolved' ? /Resolved by @U0SENIOR001/ : /Closed by @U0SENIOR001/);
    }
    expect(renderMessageText(incidentMessage(detail({ status: 'resolved' })))).toContain(
      'Resolved: every affected resource recovered',
    );
  });

  it('drops Acknowledge once acknowledged and names who did', () => {
    const message = incidentMessage({ ...detail({ status: 'acknowledged' }), acknowledgedBy: 'U0SENIOR001' });
    expect(actions(message).map((a) => a.action_id)).toEqual([ACTION_IDS.incidentResolve]);
    expect(renderMessageText(message)).toContain('Acknowledged by @U0SENIOR001.');
  });

  it('escapes an acknowledging actor that is not a Slack user id', () => {
    const message = incidentMessage({ ...detail({ status: 'acknowledged' }), acknowledgedBy: '<!channel>' });
    expect(markup(message)).toEqual([]);
  });
});

describe('incident thread replies', () => {
  it('are short, for meaningful changes only', () => {
    expect(threadChangeFor(detail({ changes: ['signal'] }))).toBeUndefined();
    expect(threadChangeFor(detail({ changes: ['signal', 'severity_raised'] }))).toBe('severity_raised');
    expect(threadChangeFor(detail({ changes: ['reopened'] }))).toBe('reopened');
    expect(threadChangeFor(detail({ changes: ['acknowledged'] }))).toBe('acknowledged');

    expect(renderMessageText(incidentThreadReply(detail({ severity: 'SEV1', signalCount: 12 }), 'severity_raised'))).toBe(
      ':arrow_up: Severity raised to *SEV1* (12 signals so far).',
    );
    expect(incidentThreadReply(detail(), 'acknowledged', 'U0SENIOR001').text).toBe(':eyes: Acknowledged by <@U0SENIOR001>.');
    expect(renderMessageText(incidentThreadReply(detail(), 'resolved'))).toContain('every affected resource recovered');
    expect(markup(incidentThreadReply(detail(), 'resolved', '<!channel>'))).toEqual([]);
  });
});
