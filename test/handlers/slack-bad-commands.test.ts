/**
 * Bad `/firebreak` commands and refused mitigation plans, really signed on DynamoDB Local: each gets
 * an ephemeral explanation (no Slack markup in it) and writes nothing; help lists every command
 * (harness: slack-harness.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../functions/core/incidents/incident.ts';
import { SENIOR1, RESPONDER, STRANGER, start, stop, openIncident, command, observable } from './slack-harness.ts';

describe('bad commands and refused requests: an ephemeral explanation and no write', () => {
  // These change nothing (each test checks it), so they share one runtime and one incident.
  let shared: Incident;
  beforeAll(async () => {
    await start();
    shared = (await openIncident()).incident;
  });
  afterAll(stop);

  it.each([
    ['frobnicate', /^Unknown command "frobnicate"\.\n\*Firebreak\*/],
    ['<!channel>', /^Unknown command "&lt;!channel&gt;"\./],
    [
      'sev INC-XXXX SEV9',
      /^Expected an incident id and a severity SEV1–SEV4\.\nUsage: `\/firebreak sev &lt;incident&gt; &lt;SEV1-4&gt;`$/,
    ],
    ['sev INC-0000000000 SEV9', /SEV1–SEV4/],
    ['ack', /Expected one incident id/],
    ['approve MIT-1', /Expected one request id/],
    ['reject MIT-0000000000', /^Say why you reject it/],
    ['away forever', /^"forever" is not a duration between 1m and 14d\./],
    ['away 15d', /is not a duration between 1m and 14d/],
    ['list everything', /^`list` takes no arguments\./],
    ['mitigate INC-0000000000', /^Expected an incident id and a catalog id\./],
    ['mitigate INC-0000000000 restart-service serviceName=$(curl x)', /^"x\)" is not a key=value parameter\./],
    ['mitigate INC-0000000000 restart-service serviceName=a serviceName=b', /^serviceName is given twice\./],
  ])('"/firebreak %s" gets an ephemeral explanation and writes nothing', async (text, expected) => {
    const before = await observable();
    const reply = await command(RESPONDER, text);
    expect(reply.status).toBe(200);
    expect(reply.responseType).toBe('ephemeral');
    expect(reply.text).toMatch(expected);
    // Nothing in an explanation is read as Slack markup (usage placeholders are escaped too).
    expect(reply.text).not.toMatch(/[<>]/);
    expect(await observable()).toEqual(before);
  });

  it.each([
    [
      'serviceName=$(curl)',
      /^Cannot plan restart-service: serviceName contains a character that is never allowed in a parameter$/,
    ],
    ['serviceName=nginx;reboot', /never allowed/],
    ['serviceName=`id`', /never allowed/],
    ['serviceName=../../etc/passwd', /^Cannot plan restart-service: serviceName contains "\.\." \(path traversal/],
    [`serviceName=${'a'.repeat(65)}`, /does not match/],
    [
      'serviceName=nginx.service unit=x',
      /^Cannot plan restart-service: restart-service has no parameter unit \(it takes serviceName\)$/,
    ],
    ['', /^Cannot plan restart-service: restart-service needs serviceName=/],
  ])('a mitigation with bad parameters (%s) is refused before anything is written', async (parameters, expected) => {
    const before = await observable();
    const reply = await command(SENIOR1, `mitigate ${shared.id} restart-service ${parameters}`.trim());
    expect(reply.responseType).toBe('ephemeral');
    expect(reply.text).toMatch(expected);
    expect(await observable()).toEqual(before);
  });

  it('refuses an unknown catalog entry or incident with a helpful reply', async () => {
    const before = await observable();
    expect((await command(SENIOR1, `mitigate ${shared.id} wipe-disks`)).text).toMatch(
      /^There is no mitigation "wipe-disks" in the catalog \(collect-diagnostics, isolate-instance, /,
    );
    expect((await command(SENIOR1, 'mitigate INC-0000000000 restart-service serviceName=nginx')).text).toBe(
      'No incident INC-0000000000.',
    );
    expect((await command(SENIOR1, 'approve MIT-0000000000')).text).toBe('No mitigation request MIT-0000000000.');
    expect((await command(SENIOR1, 'show INC-0000000000')).text).toBe('No incident INC-0000000000.');
    expect(await observable()).toEqual(before);
  });

  it('help (also for an empty command) lists every command', async () => {
    const before = await observable();
    const help = await command(RESPONDER, 'help');
    expect(help.responseType).toBe('ephemeral');
    for (const word of [
      'list',
      'show',
      'ack',
      'resolve',
      'sev',
      'mitigate',
      'approve',
      'reject',
      'away',
      'back',
      'roster',
      'help',
    ])
      expect(help.text).toContain(`\`${word}`);
    expect((await command(RESPONDER, '')).text).toBe(help.text);
    expect((await command(STRANGER, 'HELP')).text).toBe(help.text);
    expect(await observable()).toEqual(before);
  });
});
