import { type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config.ts';
import { FREEZE_PATTERN, TRACKER_PATTERN } from '../../functions/core/events/subscriptions.ts';
import { exampleConfigInput, synthesize, unacknowledgedFindings } from './synth.ts';

const example = exampleConfigInput() as Record<string, unknown>;

const synth = (extra: Record<string, unknown>) => synthesize(parseConfig({ ...example, ...extra }));
type Synth = ReturnType<typeof synth>;
const logicalId = (s: Synth, c: IConstruct) => s.stack.getLogicalId(c.node.defaultChild as CfnElement);
const statementsOf = (s: Synth, role: IConstruct) =>
  Object.values(s.resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(logicalId(s, role)))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);

const TRACKER = {
  tracker: {
    github: { tokenSecret: 'firebreak/github', defaultRepository: 'acme/app' },
    jira: {
      baseUrl: 'https://acme.atlassian.net',
      tokenSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:firebreak/jira-AbCdEf',
      projects: ['PAY'],
    },
  },
};

describe('release rules', () => {
  const plain = synth({});
  const tracked = synth(TRACKER);

  it('feeds freeze every incident announcement on the firebreak bus, and gives it the table only', () => {
    const rule = plain.resources[logicalId(plain, plain.stack.releaseRules.freezeRule)]!;
    expect(rule.Properties.EventPattern).toEqual(FREEZE_PATTERN);
    expect(rule.Properties.EventBusName).toEqual({ Ref: logicalId(plain, plain.stack.foundation.bus) });
    const fn = plain.stack.releaseRules.freezeFunction;
    const granted = statementsOf(plain, fn.executionRole).flatMap((s) => [s.Action].flat());
    expect(granted.some((a) => a.startsWith('secretsmanager:'))).toBe(false);
    expect(granted.some((a) => a.startsWith('events:'))).toBe(false);
  });

  it('has no tracker without a tracker configured', () => {
    expect(plain.stack.releaseRules.trackerFunction).toBeUndefined();
    expect(JSON.stringify(plain.resources)).not.toContain('firebreak-tracker');
  });

  it('lets the tracker read exactly the configured secrets (and Slack), on Work Items Delivered only', () => {
    const { trackerFunction, trackerRule } = tracked.stack.releaseRules;
    expect(tracked.resources[logicalId(tracked, trackerRule!)]!.Properties.EventPattern).toEqual(TRACKER_PATTERN);
    const secretReads = statementsOf(tracked, trackerFunction!.executionRole)
      .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))
      .flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(r)));
    expect(secretReads).toHaveLength(3);
    expect(secretReads.some((r) => r.includes('secret:firebreak/github-??????'))).toBe(true);
    expect(secretReads).toContain(JSON.stringify(TRACKER.tracker.jira.tokenSecret));
    expect(secretReads.some((r) => r.includes(logicalId(tracked, tracked.stack.foundation.slackSecret)))).toBe(true);
  });

  it('passes cdk-nag AwsSolutions', () => {
    expect(unacknowledgedFindings(tracked.app)).toEqual([]);
  });
});
