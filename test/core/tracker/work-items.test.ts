import { describe, expect, it } from 'vitest';
import { TrackerConfigSchema } from '../../../functions/core/tracker/tracker-config.ts';
import { parseWorkItem, workItemsOf } from '../../../functions/core/tracker/work-items.ts';
import { DeploymentSchema } from '../../../functions/core/deployments/deploy-notice-schema.ts';

const config = TrackerConfigSchema.parse({
  github: { tokenSecret: 'firebreak/github', repositories: { payments: 'acme/payments' }, defaultRepository: 'acme/app' },
  jira: { baseUrl: 'https://acme.atlassian.net', tokenSecret: 'firebreak/jira', projects: ['PAY', 'OPS'] },
});
const refs = (service: string, messages: string[], explicit: string[] = [], c = config) =>
  workItemsOf({ service, messages, explicit }, c).map((i) => i.ref);

describe('work items of a deployment', () => {
  it('reads GitHub closing keywords, with the service repository for a bare #N', () => {
    expect(refs('payments', ['Fixes #12', 'closes acme/web#7', 'Resolved: #3'])).toEqual([
      'acme/payments#12',
      'acme/web#7',
      'acme/payments#3',
    ]);
    expect(refs('search', ['fix #4'])).toEqual(['acme/app#4']);
  });

  it('ignores mentions without a closing keyword, and keys of other projects or that look like keys', () => {
    expect(refs('payments', ['see #12, relates to acme/web#7', 'SHA-256 UTF-8 ABC-1 xPAY-1 PAY-12x'])).toEqual([]);
    expect(refs('payments', ['PAY-123: rounding; OPS-4'])).toEqual(['PAY-123', 'OPS-4']);
  });

  it('takes explicit items first, without duplicates, at most 20', () => {
    expect(refs('payments', ['Fixes #12 PAY-1'], ['PAY-1', '#12', 'acme/x#1'])).toEqual([
      'PAY-1',
      'acme/payments#12',
      'acme/x#1',
    ]);
    const many = Array.from({ length: 30 }, (_, i) => `fixes #${i + 1}`).join(' ');
    expect(refs('payments', [many])).toHaveLength(20);
  });

  it('leaves out what no configured tracker could close', () => {
    const githubOnly = TrackerConfigSchema.parse({ github: { tokenSecret: 's' } });
    expect(refs('payments', ['Fixes #12 PAY-1'], [], githubOnly)).toEqual([]);
    expect(refs('payments', ['Fixes acme/x#2'], [], githubOnly)).toEqual(['acme/x#2']);
    expect(refs('payments', ['Fixes #12 PAY-1'], [], TrackerConfigSchema.parse({}))).toEqual([]);
  });

  it('parses the bus form back, and refuses anything else', () => {
    expect(parseWorkItem('acme/payments#12')).toMatchObject({ tracker: 'github', repository: 'acme/payments', number: 12 });
    expect(parseWorkItem('PAY-1')).toMatchObject({ tracker: 'jira', key: 'PAY-1' });
    for (const bad of ['#12', '../etc#1', 'acme/x#1/../../', 'pay-1', 'PAY-1; rm']) expect(() => parseWorkItem(bad)).toThrow();
  });

  it('deploy-notice --issue accepts #N, owner/repo#N and Jira keys only', () => {
    const notice = { service: 's', version: '1', environment: 'production', status: 'succeeded' };
    expect(DeploymentSchema.safeParse({ ...notice, issues: ['#1', 'acme/x#2', 'PAY-3'] }).success).toBe(true);
    for (const bad of ['1', 'acme#1', 'PAY-', '<!channel>', 'acme/x#1 PAY-2', '../x#1'])
      expect(DeploymentSchema.safeParse({ ...notice, issues: [bad] }).success, bad).toBe(false);
  });

  it('refuses a tracker API over plain http anywhere but this machine', () => {
    expect(TrackerConfigSchema.safeParse({ github: { tokenSecret: 's', apiUrl: 'http://github.example.com' } }).success).toBe(
      false,
    );
    expect(TrackerConfigSchema.safeParse({ github: { tokenSecret: 's', apiUrl: 'http://127.0.0.1:9' } }).success).toBe(true);
    expect(
      TrackerConfigSchema.safeParse({ jira: { baseUrl: 'https://a.atlassian.net', tokenSecret: 's', projects: ['pay'] } })
        .success,
    ).toBe(false);
  });
});
