import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario, ScenarioError } from '../../functions/local/drill/scenario.ts';
import { cli } from '../cli/capture.ts';

const dir = mkdtempSync(join(tmpdir(), 'firebreak-drill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'alarm.json'), JSON.stringify({ source: 'aws.cloudwatch' }));

function scenario(steps: unknown[], extra: Record<string, unknown> = {}): string {
  const path = join(dir, `${Math.random()}.json`);
  writeFileSync(path, JSON.stringify({ name: 'check', steps, ...extra }));
  return path;
}
function problems(path: string): string[] {
  try {
    loadScenario(path);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as Error).message.split('\n').slice(1);
  }
  throw new Error('the scenario was accepted');
}

describe('drill scenarios are checked before they run', () => {
  it('names the step by its number and kind, field by field', () => {
    const path = scenario([
      { inject: 'alarm.json' },
      { click: 'Approve', as: 'dana' },
      { advance: '5 minutes' },
      { fleet: { instances: 0 } },
      { slack: '/firebreak status', as: 'U0CTO000001', colour: 'red' },
    ]);
    expect(problems(path)).toEqual([
      '  - step 2 (click): as: a Slack user id such as U0CTO000001',
      '  - step 3 (advance): advance: a duration such as 90s, 5m, 2h or 1d',
      expect.stringMatching(/^ {2}- step 4 \(fleet\): fleet\.instances: /),
      '  - step 5 (slack): unknown "colour" for a slack step',
    ]);
  });

  it('a misspelt step kind gets "did you mean", and two kinds in one step are refused', () => {
    expect(problems(scenario([{ injct: 'alarm.json' }, { advance: '1m', publishFault: '1m' }]))).toEqual([
      '  - step 1: not a step kind (inject, redeliver, advance, slack, click, deploy, tracker, fleet, publishFault, review or a lone note): unknown "injct" (did you mean "inject"?)',
      '  - step 2: one kind per step, but it has advance and publishFault',
    ]);
  });

  it('finds a missing or broken event file, and a redeliver with nothing before it, before anything starts', () => {
    writeFileSync(join(dir, 'broken.json'), '{ "source": ');
    const found = problems(scenario([{ redeliver: true }, { inject: 'missing.json' }, { inject: 'broken.json' }]));
    expect(found[0]).toBe('  - step 1 (redeliver): needs an earlier inject step');
    expect(found[1]).toBe('  - step 2 (inject): missing.json: file not found');
    expect(found[2]).toMatch(/^ {2}- step 3 \(inject\): broken\.json: /);
  });

  it('reports problems outside the steps as the schema does, all at once', () => {
    expect(problems(scenario([{ injct: 'x' }], { start: 'yesterday' }))).toEqual([
      expect.stringMatching(/^ {2}- step 1: not a step kind/),
      expect.stringMatching(/^ {2}- start: /),
    ]);
  });

  it('a tracker step names work items as GitHub and Jira spell them, in states the stand-in knows', () => {
    const found = problems(scenario([{ tracker: { github: { '#12': 'open' }, jira: { 'PAY-1': 'Closed' } } }]));
    expect(found).toEqual([
      expect.stringMatching(/^ {2}- step 1 \(tracker\): tracker\.github\./),
      expect.stringMatching(/^ {2}- step 1 \(tracker\): tracker\.jira\.PAY-1: /),
    ]);
  });

  it('accepts the default drill', () => {
    expect(loadScenario('drills/default.json').scenario.steps.length).toBeGreaterThan(10);
  });

  it('firebreak drill exits 2 with the problems, without starting DynamoDB Local', async () => {
    // As on a terminal, where the drill announces itself (and DynamoDB Local starting) once the scenario passed its checks.
    const tty = process.stderr.isTTY;
    process.stderr.isTTY = true;
    try {
      const out = await cli('drill', scenario([{ inject: 'missing.json' }]));
      expect(out.code).toBe(2);
      expect(out.stderr).toContain('- step 1 (inject): missing.json: file not found');
      expect(out.stderr).not.toContain('firebreak: drill "');
    } finally {
      process.stderr.isTTY = tty;
    }
  });
});
