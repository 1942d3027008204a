import { describe, expect, it } from 'vitest';
import { MitigationEntrySchema } from '../../../functions/core/config.ts';
import { PlanError, resolvePlan } from '../../../functions/core/mitigations/mitigation.ts';
import { parseParameters } from '../../../functions/core/slack/parameters.ts';

/** A catalog entry whose parameter may hold spaces, but only a systemctl verb and a unit name. */
const entry = MitigationEntrySchema.parse({
  id: 'systemctl',
  title: 'Run a systemctl command',
  document: 'AWS-RunShellScript',
  parameters: { commands: { allowedPattern: '^systemctl (restart|status) [a-z0-9@._-]{1,100}$' } },
  targets: { type: 'incident-instances' },
  risk: 'medium',
});
const incident = { resources: ['arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0'], resourcesOmitted: 0 };

function plan(text: string) {
  const parsed = parseParameters(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return resolvePlan(entry, incident, parsed.parameters);
}

describe('quoted Slack parameters reach the plan only through the allowed pattern', () => {
  it('a quoted value with spaces that matches becomes one parameter', () => {
    expect(plan('commands="systemctl restart payments-worker.service"').parameters).toEqual({
      commands: 'systemctl restart payments-worker.service',
    });
  });

  it('quoting never gets around the pattern or the characters that are always refused', () => {
    expect(() => plan('commands="systemctl stop payments-worker.service"')).toThrow(PlanError);
    expect(() => plan('commands="systemctl restart x; rm -rf /"')).toThrow(/never allowed/);
    expect(() => plan('commands="systemctl restart $(id)"')).toThrow(/never allowed/);
    expect(() => plan('commands="systemctl restart \\\\x"')).toThrow(/never allowed/);
    expect(() => plan('commands="systemctl restart a\nb"')).toThrow(/never allowed/);
  });

  it('an unterminated quote is refused before any plan is made', () => {
    expect(parseParameters('commands="systemctl restart x')).toEqual({
      ok: false,
      problem: 'the value of commands opens a quote that is never closed.',
    });
  });
});
