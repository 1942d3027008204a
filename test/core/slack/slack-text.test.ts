/**
 * The text helpers every Slack message goes through (escaping, truncation, mentions, code, links,
 * durations), ephemeral replies, and renderMessageText.
 */
import { describe, expect, it } from 'vitest';
import { ephemeral } from '../../../functions/core/slack/block-kit.ts';
import { renderMessageText } from '../../../functions/core/slack/message-text.ts';
import { code, escapeSlackText, formatDuration, link, mention, safeText, truncate } from '../../../functions/core/slack/text.ts';

describe('slack-text', () => {
  it('escapes &, < and > so nothing becomes markup', () => {
    expect(escapeSlackText('<!channel> & <@U1> &lt;')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt; &amp;lt;');
  });

  it('truncates with an ellipsis, never inside an escape or a surrogate pair', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    const cut = safeText('a<<<<<<<<', 8);
    expect(cut.length).toBeLessThanOrEqual(8);
    expect(cut).toBe('a&lt;…');
  });

  it('mentions only well-formed user ids', () => {
    expect(mention('U0CTO000001')).toBe('<@U0CTO000001>');
    expect(mention('W0ABC')).toBe('<@W0ABC>');
    expect(mention('!channel')).toBe('!channel');
    expect(mention('U1> <!channel')).toBe('U1&gt; &lt;!channel');
  });

  it('keeps inline code on one line and closed', () => {
    const c = code('a`b\nc <!here>');
    expect(c).toBe('`aˋb↵c &lt;!here&gt;`');
    expect(c.match(/`/g)).toHaveLength(2);
    expect(code('')).toBe('_(empty)_');
  });

  it('links only plain https URLs', () => {
    expect(link('https://console.aws.amazon.com/x?a=1&b=2', 'Open')).toBe('<https://console.aws.amazon.com/x?a=1&amp;b=2|Open>');
    for (const bad of [
      'http://example.com',
      'javascript:alert(1)',
      'https://evil|Runbook',
      'https://a.example/<x>',
      'https://a.example/ b',
      'https://u:p@a.example/',
      'not a url',
      undefined,
    ]) {
      expect(link(bad, 'Open')).toBeUndefined();
    }
  });

  it('formats durations', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(1800)).toBe('30 min');
    expect(formatDuration(5400)).toBe('1 h 30 min');
    expect(formatDuration(172_800)).toBe('2 d');
  });
});

describe('ephemeral', () => {
  it('escapes the reply', () => {
    expect(ephemeral('No <!channel> here & there')).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'No &lt;!channel&gt; here &amp; there',
    });
  });
});

describe('renderMessageText', () => {
  it('shows mentions as @id, links as label (url), escapes as the characters, buttons in brackets', () => {
    const shown = renderMessageText({
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'A &amp; B' } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 'Hi <@U0CTO000001>, see <https://a.example/?x=1&amp;y=2|the doc> &lt;3' },
        },
        { type: 'divider' },
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: 'Approve' } },
            { type: 'button', text: { type: 'plain_text', text: 'Reject' } },
          ],
        },
      ],
    });
    expect(shown).toBe('A & B\nHi @U0CTO000001, see the doc (https://a.example/?x=1&y=2) <3\n---\n[Approve] [Reject]');
    expect(renderMessageText({ text: 'plain &lt;b&gt;' })).toBe('plain <b>');
  });
});
