import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { createRepositories } from '../../functions/adapters/dynamodb/repositories.ts';
import { renderPostmortemHtml } from '../../functions/core/postmortem/render-html.ts';
import { renderPostmortemMarkdown } from '../../functions/core/postmortem/render-markdown.ts';
import { localClient } from '../../functions/local/dynamodb-local.ts';
import { runDrill } from '../../functions/local/drill/run.ts';
import { ScenarioSchema } from '../../functions/local/drill/scenario.ts';
import { draftPostmortem } from '../../functions/workflow/postmortem.ts';
import { exampleConfig, fixture } from '../support.ts';
import { runCliProcess } from '../cli/child-process.ts';

const config = exampleConfig();

const cli = (args: string[]) => runCliProcess(args);
const tableName = `postmortem-${process.pid}`;

/**
 * A GuardDuty finding first seen at 08:58:30 on a virtual clock that starts at 09:00: the CTO
 * acknowledges at 09:03 but stays silent on the isolation, which escalates at 09:15 (the SEV2
 * timeout); a senior tries too early at 09:05 and is refused; two seniors approve at 09:20 and it runs;
 * the CTO resolves it at 09:30.
 */
const finding = { ...fixture('guardduty-finding-ec2-high-wrapped.json'), time: '2026-11-23T08:58:30Z' };
const scenario = ScenarioSchema.parse({
  name: 'postmortem clock',
  start: '2026-11-23T09:00:00Z',
  steps: [
    { fleet: { instances: 1 } },
    { inject: finding },
    { advance: '3m' },
    { slack: 'ack {{incident}}', as: 'U0CTO000001' },
    { advance: '2m' },
    { slack: 'approve {{request:isolate-instance}}', as: 'U0SENIOR001' },
    { advance: '15m' },
    { slack: 'approve {{request:isolate-instance}}', as: 'U0SENIOR001' },
    { slack: 'approve {{request:isolate-instance}}', as: 'U0SENIOR002' },
    { advance: '10m' },
    { slack: 'resolve {{incident}} attacker blocked', as: 'U0CTO000001' },
    { slack: 'postmortem {{incident}}', as: 'U0STRANGER1' },
    { slack: 'postmortem {{incident}}', as: 'U0RESPOND01' },
  ],
  expect: { mitigations: [{ catalogId: 'isolate-instance', state: 'succeeded' }] },
});

describe('postmortem from a drill', () => {
  it('tells the timeline on the virtual clock, with who, when and the durations between milestones', async () => {
    const outcome = await runDrill(scenario, { config, baseDir: '.', endpoint: inject('dynamoEndpoint'), tableName });
    expect(outcome.checks.filter((c) => !c.passed)).toEqual([]);
    const client = localClient(inject('dynamoEndpoint'));
    const repositories = createRepositories(client, tableName);
    const [incident] = outcome.incidents;

    // `/firebreak postmortem`: a stranger is refused; a responder's request is audited, and notify
    // shares the draft as a file in the incident's thread and keeps both renderings in the archive.
    const [stranger, responder] = outcome.transcript.slice(-2).map((line) => line.results.join('\n'));
    expect(stranger).toContain('You are not on the Firebreak roster.');
    expect(responder).toContain(`Writing the postmortem draft of ${incident!.id}`);
    expect(responder).toMatch(/✉ Slack thread reply in C0SECURITY1: :memo: Postmortem draft of `INC-[0-9A-F]{10}`/);
    expect(outcome.files).toHaveLength(1);
    const [file] = outcome.files;
    expect(file).toMatchObject({ channel: 'C0SECURITY1', filename: `${incident!.id}-postmortem.md` });
    expect(file!.threadTs).toBe(outcome.slack.find((m) => !m.threadTs && m.channel === 'C0SECURITY1')!.ts);
    expect(file!.content).toContain('| 2026-11-23 09:03:00 UTC | T+4m 30s | +3m | Dana Okafor (CTO) | acknowledged |');
    expect(outcome.archived).toEqual([
      `postmortems/${incident!.id}/2026-11-23T09-30-00-000Z.md`,
      `postmortems/${incident!.id}/2026-11-23T09-30-00-000Z.html`,
    ]);
    const audit = await repositories.incidents.getAudit(incident!.id);
    expect(audit.filter((e) => e.action === 'postmortem.requested').map((e) => e.actor)).toEqual(['slack:U0RESPOND01']);
    const doc = (await draftPostmortem(repositories, config, incident!.id, '2026-11-23T10:00:00.000Z'))!;
    client.destroy();

    const at = (kind: string) => doc.timeline.milestones.filter((m) => m.kind === kind).map((m) => m.at.slice(11, 19));
    expect(at('first_signal')).toEqual(['08:58:30']);
    expect(at('detected')).toEqual(['09:00:00']);
    expect(at('acknowledged')).toEqual(['09:03:00']);
    expect(at('refused')).toEqual(['09:05:00']);
    expect(at('escalated')).toEqual(['09:15:00']);
    // collect-diagnostics is pre-approved at once; the isolation's two senior approvals at 09:20.
    expect(at('approval')).toEqual(['09:00:00', '09:20:00', '09:20:00']);
    expect(at('mitigation_started')).toEqual(['09:00:00', '09:20:00']);
    expect(at('mitigation_finished')).toEqual(['09:00:00', '09:20:00']);
    expect(at('resolved')).toEqual(['09:30:00']);
    expect(doc.timeline.times).toEqual({
      toDetect: 90_000,
      toAcknowledge: 180_000,
      toFirstApproval: 0,
      toMitigate: 0,
      toResolve: 1_800_000,
    });
    expect(doc.timeline.refusals).toEqual({ cto_available: 1 });
    expect(doc.timeline.escalations).toBe(1);
    expect(doc.timeline.mitigations).toEqual({ succeeded: 2, failed: 0, cancelled: 0 });

    const markdown = renderPostmortemMarkdown(doc);
    expect(markdown).toContain(`# Postmortem (draft): ${incident!.id}`);
    expect(markdown).toContain('| 2026-11-23 09:03:00 UTC | T+4m 30s | +3m | Dana Okafor (CTO) | acknowledged |');
    expect(markdown).toMatch(
      /\| 2026-11-23 09:05:00 UTC \| T\+6m 30s \| \+2m \| Priya Raman \(senior engineer\) \| MIT-[0-9A-F]{10}: approval refused \(cto available\) \|/,
    );
    expect(markdown).toContain('| Time to resolve | 30m |');
    expect(markdown).toMatch(
      /Approvers: Priya Raman \(senior engineer\) at 2026-11-23 09:20:00 UTC; Mateo Alvarez \(senior engineer\) at 2026-11-23 09:20:00 UTC/,
    );
    expect(markdown).toContain('Approvers: pre-approved by policy (low-risk countermeasure)');
    expect(markdown).toContain('Plan: automation document Firebreak-IsolateInstance');
    expect(markdown).toContain('hash chain valid');
    for (const heading of [
      'Summary',
      'Impact',
      'Timeline',
      'What changed before it',
      'Mitigations',
      'Contributing factors',
      'What went well',
      'Action items',
    ])
      expect(markdown).toContain(`## ${heading}\n`);

    const html = renderPostmortemHtml(doc);
    expect(html.match(/<g class="milestone" data-kind="[a-z_]+"/g)).toHaveLength(doc.timeline.milestones.length);
    expect(html).toContain('data-kind="resolved" data-at="2026-11-23T09:30:00.000Z"');
    expect(html).not.toMatch(/<script/i);
  });

  it('firebreak postmortem writes Markdown to stdout, HTML to a file, and refuses bad usage', async () => {
    const client = localClient(inject('dynamoEndpoint'));
    const [incident] = await createRepositories(client, tableName).incidents.listIncidents(['resolved'], 10);
    client.destroy();
    const table = ['--endpoint', inject('dynamoEndpoint'), '--table', tableName];
    const markdown = await cli(['postmortem', incident!.id.toLowerCase(), ...table]);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain(`# Postmortem (draft): ${incident!.id}`);
    expect(markdown.stdout).toContain('| Dana Okafor (CTO) | acknowledged |');

    const out = join(mkdtempSync(join(tmpdir(), 'postmortem-')), 'pm.html');
    const html = await cli(['postmortem', incident!.id, '--format', 'html', '--out', out, ...table]);
    expect(html.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>[\s\S]*<svg [\s\S]*Action items/);

    expect((await cli(['postmortem', 'INC-0000000000', ...table])).code).toBe(1);
    expect((await cli(['postmortem', 'not-an-id', ...table])).code).toBe(2);
    expect((await cli(['postmortem', incident!.id, '--format', 'pdf', ...table])).code).toBe(2);
  });

  it('says so when there is no such incident', async () => {
    const client = localClient(inject('dynamoEndpoint'));
    expect(
      await draftPostmortem(createRepositories(client, tableName), config, 'INC-0000000000', '2026-11-23T10:00:00.000Z'),
    ).toBeUndefined();
    client.destroy();
  });
});
