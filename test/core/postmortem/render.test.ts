import { describe, expect, it } from 'vitest';
import { chainEntry, GENESIS_HASH, verifyChain, type AuditEntry } from '../../../functions/core/audit/chain.ts';
import type { Incident } from '../../../functions/core/incidents/incident.ts';
import { buildPostmortem } from '../../../functions/core/postmortem/postmortem.ts';
import { renderPostmortemHtml } from '../../../functions/core/postmortem/render-html.ts';
import { markdownText, renderPostmortemMarkdown } from '../../../functions/core/postmortem/render-markdown.ts';
import { formatDuration, incidentTimeline } from '../../../functions/core/postmortem/timeline.ts';

const HOSTILE = 'Evil <script>alert(1)</script> [click](https://evil.example) | `rm -rf` \u001b[31mred\u202e';

const incident = {
  id: 'INC-0123456789',
  status: 'open',
  severity: 'SEV3',
  category: 'availability',
  title: HOSTILE,
  fingerprint: 'f',
  source: 'firebreak.monitor.evil',
  kind: 'check',
  subject: 'svc',
  account: '123456789012',
  region: 'eu-west-1',
  channel: 'C0OPS000001',
  rule: null,
  mitigations: [],
  resources: ['<@U0CTO000001>'],
  firingResources: [],
  firingOverflow: false,
  signalCount: 1,
  reopenCount: 0,
  firstSeen: '2026-11-23T09:00:00.000Z',
  lastSeen: '2026-11-23T09:00:00.000Z',
  lastFiringAt: '2026-11-23T09:00:00.000Z',
  openedAt: '2026-11-23T09:00:05.000Z',
  updatedAt: '2026-11-23T09:00:05.000Z',
  version: 1,
  auditSeq: 0,
  auditHead: GENESIS_HASH,
} satisfies Incident;

function chain(drafts: { at: string; actor: string; action: string; data: Record<string, unknown> }[]): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const [i, d] of drafts.entries())
    out.push(chainEntry({ incidentId: incident.id, seq: i + 1, prevHash: out[i - 1]?.hash ?? GENESIS_HASH, ...d }));
  return out;
}

const audit = chain([
  {
    at: '2026-11-23T09:00:05.000Z',
    actor: 'system:ingest',
    action: 'incident.opened',
    data: { severity: 'SEV3', category: 'availability' },
  },
  {
    at: '2026-11-23T09:00:05.000Z',
    actor: 'system:ingest',
    action: 'signal.recorded',
    data: { observedAt: '2026-11-23T09:00:00.000Z' },
  },
  {
    at: '2026-11-23T09:01:00.000Z',
    actor: 'slack:U0NOTINROST',
    action: 'incident.resolved',
    data: { note: HOSTILE, by: 'U0NOTINROST' },
  },
]);

const doc = () =>
  buildPostmortem({
    incident: { ...incident, status: 'resolved', resolvedAt: '2026-11-23T09:01:00.000Z' },
    audit,
    chain: verifyChain(audit),
    requests: [],
    deployments: [],
    roster: [],
    generatedAt: '2026-11-23T10:00:00.000Z',
  });

describe('postmortem rendering', () => {
  it('keeps hostile text inert in Markdown: no link, no code span, no table cell break, no HTML, no control character', () => {
    expect(markdownText(HOSTILE)).toBe(
      'Evil &lt;script&gt;alert(1)&lt;/script&gt; \\[click\\](https://evil.example) \\| \\`rm -rf\\`  \\[31mred ',
    );
    const markdown = renderPostmortemMarkdown(doc());
    expect(markdown).not.toContain('<script');
    expect(['\u001b', '\u202e'].filter((c) => markdown.includes(c))).toEqual([]);
    expect(markdown).not.toMatch(/[^\\]\]\(https/);
    // The resolver is not on the roster: named by id, never by a mention.
    expect(markdown).toContain('| 2026-11-23 09:01:00 UTC | T+1m | +55s | U0NOTINROST | resolved: Evil');
    expect(markdown).toContain('Resources: &lt;@U0CTO000001&gt;');
  });

  it('escapes hostile text in HTML, and the page forbids scripts and external loads', () => {
    const html = renderPostmortemHtml(doc());
    expect(html).not.toMatch(/<script>alert/);
    expect(html).toContain('Evil &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).toMatch(/<svg [^>]*role="img"/);
  });

  it('measures what happened and leaves out what did not', () => {
    const timeline = incidentTimeline(incident, audit);
    expect(timeline.times).toEqual({ toDetect: 5000, toResolve: 55_000 });
    expect(timeline.signals).toBe(1);
    expect(doc().sections.map((s) => s.title)).toContain('Action items');
  });

  it('tells a cancel and refused cancels and silences, counting the refusals by reason', () => {
    const at = (s: number) => new Date(Date.parse('2026-11-23T09:00:10.000Z') + s * 1000).toISOString();
    const timeline = incidentTimeline(
      incident,
      chain([
        { at: at(0), actor: 'system:ingest', action: 'incident.opened', data: { severity: 'SEV3', category: 'availability' } },
        {
          at: at(1),
          actor: 'slack:U0RESPONDR1',
          action: 'mitigation.cancel_refused',
          data: { requestId: 'MIT-1', refusal: 'not_authorized' },
        },
        {
          at: at(2),
          actor: 'slack:U0RESPONDR1',
          action: 'incident.silence_refused',
          data: { refusal: 'not_authorized', target: 'INC-0123456789', minutes: 60 },
        },
        { at: at(3), actor: 'slack:U0CTO000001', action: 'mitigation.cancel_requested', data: { requestId: 'MIT-1' } },
        {
          at: at(4),
          actor: 'slack:U0CTO000001',
          action: 'mitigation.cancel_failed',
          data: { requestId: 'MIT-1', error: 'ThrottlingException' },
        },
        {
          at: at(5),
          actor: 'slack:U0CTO000001',
          action: 'mitigation.cancelled',
          data: { requestId: 'MIT-1', decidedBy: ['U0CTO000001'] },
        },
        {
          at: at(6),
          actor: 'slack:U0SENIOR001',
          action: 'mitigation.cancel_too_late',
          data: { requestId: 'MIT-2', state: 'succeeded' },
        },
      ]),
    );
    expect(timeline.milestones.slice(2).map((m) => [m.kind, m.what])).toEqual([
      ['refused', 'MIT-1: cancel refused (not authorized)'],
      ['refused', 'silence of INC-0123456789 refused (not authorized)'],
      ['cancel', 'MIT-1: cancel asked'],
      ['cancel', 'MIT-1: Systems Manager refused the cancel (ThrottlingException)'],
      ['mitigation_finished', 'MIT-1 cancelled'],
      ['cancel', 'MIT-2: the cancel came after it had succeeded'],
    ]);
    expect(timeline.refusals).toEqual({ not_authorized: 2 });
    expect(timeline.mitigations).toEqual({ succeeded: 0, failed: 0, cancelled: 1 });
  });

  it('formats durations for people', () => {
    expect([0, 59_000, 60_000, 90_000, 3_600_000, 3_900_000, 49 * 3_600_000].map(formatDuration)).toEqual([
      '0s',
      '59s',
      '1m',
      '1m 30s',
      '1h 00m',
      '1h 05m',
      '2d 1h',
    ]);
  });
});
