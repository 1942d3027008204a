import { describe, expect, it } from 'vitest';
import {
  deploymentNotice,
  releaseHoldMessage,
  releaseLiftedMessage,
  whatChangedLines,
} from '../../../functions/core/deployments/messages.ts';
import { decideReleaseApproval } from '../../../functions/core/deployments/release-approval.ts';
import { holdAfterFailure, type HoldState } from '../../../functions/core/deployments/release-hold.ts';
import { mergeDeployment } from '../../../functions/core/deployments/merge-deployment.ts';
import { normalizeDeployment } from '../../../functions/core/deployments/normalize-deployment.ts';
import { type DeploymentRecord } from '../../../functions/core/deployments/deployment-record.ts';
import { renderMessageText } from '../../../functions/core/slack/message-text.ts';
import type { RosterMember } from '../../../functions/core/approval/roster.ts';
import { EventEnvelopeSchema } from '../../../functions/core/signals/signal.ts';
import { SLACK_LIMITS } from '../../../functions/core/slack/text.ts';
import { fixture } from '../../support.ts';

const NOW = '2026-03-01T10:00:00.000Z';
const CTO: RosterMember = { slackUserId: 'U0CTO000001', name: 'Dana Okafor', role: 'cto' };
const SENIORS: RosterMember[] = [
  { slackUserId: 'U0SENIOR001', name: 'Priya Raman', role: 'senior' },
  { slackUserId: 'U0SENIOR002', name: 'Mateo Alvarez', role: 'senior', awayUntil: '2026-03-02T00:00:00.000Z' },
];

const EVIL = 'Fix <https://evil.example|the runbook> for <!channel> & <@U0CTO000001> <!subteam^S123>';

function customRecord(detail: Record<string, unknown>, time = '2026-03-01T09:54:00Z'): DeploymentRecord {
  return normalizeDeployment(
    EventEnvelopeSchema.parse({
      id: 'e1',
      'detail-type': 'Deployment',
      source: 'firebreak.deploy',
      account: '123456789012',
      time,
      region: 'eu-west-1',
      detail: { service: 'checkout', version: '1.4.2', environment: 'production', status: 'succeeded', ...detail },
    }),
  );
}

/** Every `<…>` in the message: what Slack would read as markup. */
const markup = (message: object): string[] => JSON.stringify(message).match(/<[^<>]*>/g) ?? [];

/** Only mentions of roster ids and links Firebreak checked may appear as markup. */
function expectOnlySafeMarkup(message: object, allowedLinks: readonly string[] = []): void {
  for (const piece of markup(message)) {
    const ok = /^<@U0[A-Z0-9]+>$/.test(piece) || allowedLinks.some((url) => piece.startsWith(`<${url}|`));
    expect(ok, piece).toBe(true);
  }
}

function expectWithinLimits(message: { text: string; blocks: object[] }): void {
  expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const block of message.blocks as Array<Record<string, unknown>>) {
    const text = block.text as { text: string; verbatim?: boolean } | undefined;
    if (block.type === 'header') expect(text!.text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
    if (block.type === 'section' && text) {
      expect(text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect(text.verbatim).toBe(true);
    }
    for (const f of (block.fields as Array<{ text: string }>) ?? [])
      expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionField);
  }
}

describe('deploymentNotice', () => {
  it('says what was deployed, where, by whom, how long it took, and links it', () => {
    const started = customRecord({ status: 'started', commit: 'a1b2c3d4e5f6a7b8', actor: 'alice' }, '2026-03-01T09:50:00Z');
    const record = mergeDeployment(
      mergeDeployment(undefined, started, NOW).record,
      customRecord({ url: 'https://ci.example.com/runs/42?attempt=1&x=2' }),
      NOW,
    ).record;
    const message = deploymentNotice(record);
    expect(message.text).toBe(':white_check_mark: checkout 1.4.2 to production: succeeded in 4 min');
    const text = renderMessageText(message);
    expect(text).toContain(':white_check_mark: Deployed `checkout` `1.4.2` to *production* in 4 min');
    expect(text).toContain('Commit: `a1b2c3d4e5f6`');
    expect(text).toContain('By: alice');
    expect(text).toContain('Duration: 4 min (finished 2026-03-01 09:54:00 UTC)');
    expect(text).toContain('Open the build (https://ci.example.com/runs/42?attempt=1&x=2)');
    expect(text).toContain(`deployment \`${record.id}\``);
    expectOnlySafeMarkup(message, ['https://ci.example.com/runs/42?attempt=1&amp;x=2']);
    expectWithinLimits(message);
  });

  it('shows a started deployment as in progress, for the same message to be updated later', () => {
    const message = deploymentNotice(customRecord({ status: 'started' }, '2026-03-01T09:50:00Z'));
    expect(message.text).toBe(':hourglass_flowing_sand: checkout 1.4.2 to production: in progress');
    const text = renderMessageText(message);
    expect(text).toContain('Deploying `checkout` `1.4.2` to *production*');
    expect(text).toContain('Started: 2026-03-01 09:50:00 UTC');
  });

  it('escapes commit messages and actors so they can never mention or link', () => {
    const record = customRecord({
      status: 'failed',
      commit: EVIL,
      actor: '<!here> mallory',
      url: 'https://ci.example.com/runs/1',
    });
    const message = deploymentNotice(record);
    const json = JSON.stringify(message);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<!here>');
    expect(json).not.toContain('<https://evil');
    expect(json).not.toContain('<!subteam');
    expect(json).toContain('&lt;!channel&gt;');
    expect(json).toContain('&lt;https://evil.example|the runbook&gt;');
    expect(json).toContain('&amp;');
    expectOnlySafeMarkup(message, ['https://ci.example.com/runs/1']);
    expect(renderMessageText(message)).toContain(`Commit: ${EVIL}`);
  });

  it('leaves out a link that is not a plain https URL', () => {
    const message = deploymentNotice({ ...customRecord({}), link: 'https://ci.example.com/x|<!channel>' });
    expect(markup(message)).toEqual([]);
    expect(JSON.stringify(message)).not.toContain('ci.example.com');
  });

  it('shows the commit of a published CodePipeline sample (a literal with backticks) as inert text', () => {
    const message = deploymentNotice(normalizeDeployment(fixture('codepipeline-pipeline-execution-failed-gittags.json')));
    const text = renderMessageText(message);
    expect(text).toContain('Commit: ˋcommit_IDˋ Update file README.md');
    expect(text).toContain('By: Mary Major');
    expect(text).toContain(
      'Open the pipeline execution (https://us-west-2.console.aws.amazon.com/codesuite/codepipeline/pipelines/myPipeline/executions/12345678-1234-5678-abcd-12345678abcd/timeline?region=us-west-2)',
    );
    expect(message.text).toBe(':x: myPipeline gitlab-v4.2.1 to production: failed');
  });

  it('gives a failure its reason, its incident and its hold', () => {
    const record = normalizeDeployment(fixture('ecs-deployment-failed.json'));
    const hold = holdAfterFailure(record, NOW)!;
    const message = deploymentNotice(record, { hold, incidentId: 'INC-0123456789' });
    const text = renderMessageText(message);
    expect(text).toContain(':x: Deployment of `servicetest` `ecs-svc/123` to *production* *failed*');
    expect(text).toContain('Service: `servicetest` (`default`)');
    expect(text).toContain('Status: failed (`SERVICE_DEPLOYMENT_FAILED`)');
    expect(text).toContain('*Reason*\nECS deployment circuit breaker: task failed to start.');
    expect(text).toContain('Incident `INC-0123456789` opened');
    expect(text).toContain('`servicetest` is on a release hold');
    expect(text).toContain('`/firebreak release approve servicetest`');
    expect(text).toContain('Duration: unknown (finished 2020-05-23 12:31:14 UTC)');
    expectWithinLimits(message);
  });

  it('escapes the reason a source gives', () => {
    const event = structuredClone(fixture('ecs-deployment-failed.json')) as { detail: Record<string, unknown> };
    event.detail.reason = 'task failed <!channel> <https://evil.example|logs>';
    const message = deploymentNotice(normalizeDeployment(event as never));
    expect(JSON.stringify(message)).not.toMatch(/<!channel>|<https:\/\/evil/);
  });

  it('stays within Slack limits with every field at its longest', () => {
    const record = customRecord({
      service: 's'.repeat(100),
      version: 'v'.repeat(100),
      commit: '<'.repeat(200),
      actor: '&'.repeat(100),
      environment: 'e'.repeat(32),
    });
    const message = deploymentNotice({ ...record, reason: '>'.repeat(500), commitMessage: '&'.repeat(500), status: 'failed' });
    expectWithinLimits(message);
    expectOnlySafeMarkup(message);
  });
});

describe('release hold messages', () => {
  const record = customRecord({ status: 'failed', version: '1.4.2' });
  const hold = holdAfterFailure(record, NOW, { incidentId: 'INC-0123456789' })!;

  it('says why the service is held, who can lift it and how', () => {
    const message = releaseHoldMessage(hold, { cto: CTO, seniors: SENIORS }, NOW);
    const text = renderMessageText(message);
    expect(text).toContain('Release hold · checkout');
    expect(text).toContain(
      `\`checkout\` is on a release hold since 2026-03-01 10:00:00 UTC: deployment \`${record.id}\` of \`1.4.2\` to *production* failed.`,
    );
    expect(text).toContain(
      'The CTO @U0CTO000001 lifts it alone. If the CTO is away, 2 senior engineers (of Priya Raman, Mateo Alvarez (away)) may lift it instead.',
    );
    expect(text).toContain('*Approvals*\nNone yet.');
    expect(text).toContain('`/firebreak release approve checkout`');
    expect(text).toContain('`firebreak release check checkout` (exit 1 while held)');
    expect(text).toContain('Incident `INC-0123456789`');
    expect(message.text).toContain('<@U0CTO000001>');
    expectOnlySafeMarkup(message);
    expectWithinLimits(message);
  });

  it('hands it to senior engineers while the CTO is away, with the approvals so far', () => {
    const awayCto = { ...CTO, awayUntil: '2026-03-01T18:00:00.000Z' };
    const decision = decideReleaseApproval({
      hold,
      actor: { userId: 'U0SENIOR001', teamId: 'T0FIREBRK01' },
      workspaceTeamId: 'T0FIREBRK01',
      member: SENIORS[0],
      cto: awayCto,
      now: NOW,
    });
    if (!decision.allowed) throw new Error(decision.message);
    const text = renderMessageText(releaseHoldMessage(decision.hold, { cto: awayCto, seniors: SENIORS }, NOW));
    expect(text).toContain('is away until 2026-03-01 18:00:00 UTC, so 2 senior engineers');
    expect(text).toContain('@U0SENIOR001 (senior) at 2026-03-01 10:00:00 UTC\n1 of 2 senior approvals.');
  });

  it('warns when too few senior engineers are on the roster to reach the quorum', () => {
    const text = renderMessageText(releaseHoldMessage(hold, { cto: CTO, seniors: SENIORS.slice(0, 1) }, NOW));
    expect(text).toContain(
      ':warning: Only 1 senior engineer is on the roster, fewer than the 2 needed: only the CTO can lift it.',
    );
    expect(renderMessageText(releaseHoldMessage(hold, { cto: CTO, seniors: SENIORS }, NOW))).not.toContain(':warning:');
  });

  it('shows a lifted hold as lifted', () => {
    const lifted: HoldState = {
      ...hold,
      held: false,
      liftedBy: ['U0SENIOR001', 'U0SENIOR002'],
      liftedAt: '2026-03-01T10:30:00.000Z',
    };
    const message = releaseHoldMessage(lifted, { cto: CTO, seniors: SENIORS }, NOW);
    expect(message).toEqual(releaseLiftedMessage(lifted));
    expect(message.text).toBe(
      'The release hold on checkout was lifted by <@U0SENIOR001> and <@U0SENIOR002> at 2026-03-01 10:30:00 UTC. New releases may deploy.',
    );
    expect(renderMessageText(message)).toContain(
      ':unlock: The release hold on `checkout` was lifted by @U0SENIOR001 and @U0SENIOR002',
    );
    expectOnlySafeMarkup(message);
  });

  it('never turns a version into markup', () => {
    const evil = holdAfterFailure(customRecord({ status: 'failed', version: '<!channel> 1.0' }), NOW)!;
    const messages = [
      releaseHoldMessage(evil, { cto: CTO, seniors: SENIORS }, NOW),
      releaseLiftedMessage({ ...evil, held: false, liftedBy: ['U0CTO000001'], liftedAt: NOW }),
    ];
    for (const message of messages) {
      expect(JSON.stringify(message)).not.toContain('<!channel>');
      expectOnlySafeMarkup(message);
    }
  });
});

describe('whatChangedLines', () => {
  const records = [
    customRecord({ actor: 'alice', url: 'https://ci.example.com/runs/42' }, '2026-03-01T09:40:00Z'),
    customRecord(
      { service: 'payments', version: '<!channel>', status: 'failed', actor: '<@U0CTO000001>' },
      '2026-03-01T09:20:00Z',
    ),
  ];

  it('gives one escaped line per deployment', () => {
    const lines = whatChangedLines(records);
    expect(lines).toEqual([
      ':white_check_mark: `checkout` `1.4.2` to production succeeded at 2026-03-01 09:40:00 UTC by alice · <https://ci.example.com/runs/42|link>',
      ':x: `payments` `&lt;!channel&gt;` to production failed at 2026-03-01 09:20:00 UTC by &lt;@U0CTO000001&gt;',
    ]);
  });

  it('cuts long lists with +N more', () => {
    const many = Array.from({ length: 8 }, () => records[0]!);
    const lines = whatChangedLines(many, { max: 3 });
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('+5 more');
    expect(whatChangedLines([])).toEqual([]);
  });

  it('has a plain form for the terminal without markup or control characters', () => {
    const sneaky = { ...records[0]!, actor: 'eve\u001b[2J\u009b31m\nroot' };
    const [line] = whatChangedLines([sneaky], { format: 'plain' });
    expect(line).toBe(`checkout 1.4.2 to production succeeded at 2026-03-01 09:40:00 UTC by eve [2J 31m root (${sneaky.id})`);
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(line).not.toMatch(/[\u0000-\u001f\u0080-\u009f]/);
  });
});
