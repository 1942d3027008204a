import type { RosterMember } from '../../core/approval/roster.ts';
import { personNamer, utc } from '../../core/postmortem/postmortem.ts';
import { htmlTable, pageHead } from '../../core/postmortem/render-html.ts';
import { formatDuration, incidentTimeline } from '../../core/postmortem/timeline.ts';
import { escapeHtml, timelineSvg } from '../../core/postmortem/timeline-svg.ts';
import type { DrillOutcome } from './run.ts';

/**
 * A drill as one self-contained page (`firebreak drill --html report.html`): the verdict and each
 * expectation's result first, then a timeline per incident drawn from its audit trail, the
 * mitigation requests, the files shared in Slack (postmortem drafts), and the whole transcript.
 * No script and no external resource, so CI can attach it and anyone can open it.
 */
export function renderDrillHtml(
  outcome: DrillOutcome,
  start: string,
  roster: readonly Pick<RosterMember, 'slackUserId' | 'name' | 'role'>[],
): string {
  const who = personNamer(roster);
  const t0 = Date.parse(start);
  const clock = (at: string) => `T+${formatDuration(Math.max(0, Date.parse(at) - t0))}`;
  const failed = outcome.checks.filter((c) => !c.passed);
  const title = `Firebreak drill: ${outcome.scenario}`;
  const body: string[] = [
    `<header><h1>${escapeHtml(title)}</h1>`,
    `<p class="verdict ${outcome.passed ? 'pass' : 'fail'}" data-passed="${outcome.passed}">${outcome.passed ? 'PASSED' : 'FAILED'}: ${outcome.checks.length - failed.length} of ${outcome.checks.length} expectations met · virtual clock from ${escapeHtml(utc(start))} · ${outcome.incidents.length} incident(s), ${outcome.mitigations.length} mitigation request(s), ${outcome.slack.length} Slack message(s), dead-letter queue ${outcome.deadLetters.length ? `${outcome.deadLetters.length} event(s)` : 'empty'}</p></header>`,
    '<section id="expectations"><h2>Expectations</h2><table><thead><tr><th></th><th>Expectation</th><th>Result</th></tr></thead><tbody>',
    ...outcome.checks.map(
      (c) =>
        `<tr class="${c.passed ? 'pass' : 'fail'}"><td>${c.passed ? '✓' : '✗'}</td><td>${escapeHtml(c.expectation)}</td><td>${escapeHtml(c.detail)}</td></tr>`,
    ),
    '</tbody></table></section>',
    '<section id="incidents"><h2>Incidents</h2>',
  ];
  for (const incident of outcome.incidents) {
    const timeline = incidentTimeline(incident, outcome.audits[incident.id] ?? []);
    const times = Object.entries(timeline.times).map(
      ([name, ms]) => `${name.replace(/^to/, 'to ').toLowerCase()} ${formatDuration(ms)}`,
    );
    body.push(
      `<article class="incident" id="${escapeHtml(incident.id)}"><h3>${escapeHtml(`${incident.id} · ${incident.severity} ${incident.category} · ${incident.status}`)}</h3>`,
      `<p>${escapeHtml(incident.title)}</p>`,
      `<p>${escapeHtml(`${incident.signalCount} signal(s) · ${times.join(' · ') || 'no response milestones'}`)}</p>`,
      timelineSvg(timeline.milestones, (m) => `${m.what} · ${who(m.actor)}`, `Timeline of ${incident.id}`),
      '</article>',
    );
  }
  body.push('</section>');
  if (outcome.mitigations.length)
    body.push(
      '<section id="mitigations"><h2>Mitigation requests</h2>',
      htmlTable(
        ['Request', 'Incident', 'Catalog entry', 'State', 'Decided by', 'Escalated'],
        outcome.mitigations.map((r) => [
          r.id,
          r.incidentId,
          r.catalogId,
          r.state.replace(/_/g, ' '),
          (r.decidedBy ?? []).map((d) => (d === 'policy' ? 'policy' : who(`slack:${d}`))).join(', '),
          r.escalatedAt ? utc(r.escalatedAt) : '',
        ]),
      ),
      '</section>',
    );
  if (outcome.files.length)
    body.push(
      '<section id="files"><h2>Files shared in Slack</h2>',
      ...outcome.files.map(
        (f) =>
          `<details><summary>${escapeHtml(`${f.title} (${f.filename}, in ${f.channel})`)}</summary><pre>${escapeHtml(f.content)}</pre></details>`,
      ),
      '</section>',
    );
  body.push(
    '<section id="transcript"><h2>Transcript</h2><table><thead><tr><th>Clock</th><th>Step</th><th>What happened</th></tr></thead><tbody>',
  );
  for (const line of outcome.transcript)
    body.push(
      `<tr><td>${escapeHtml(clock(line.at))}</td><td>${escapeHtml(line.step)}</td><td>${line.results.length ? `<ul>${line.results.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : ''}</td></tr>`,
    );
  body.push('</tbody></table></section>');
  return `${pageHead(title)}\n<body>\n${body.join('\n')}\n</body></html>\n`;
}
