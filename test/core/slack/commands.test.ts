import { describe, expect, it } from 'vitest';
import {
  HELP,
  isReadOnlyCommand,
  parseCommand,
  type Command,
  type ParsedCommand,
} from '../../../functions/core/slack/commands.ts';

const INC = 'INC-1A2B3C4D5E';
const MIT = 'MIT-0A1B2C3D4E';

function ok(text: string): Command {
  const parsed = parseCommand(text);
  if (!parsed.ok) throw new Error(`expected "${text}" to parse, got: ${parsed.message}`);
  return parsed.command;
}

/** The parameters of a mitigate command. */
function params(text: string): Readonly<Record<string, string>> | undefined {
  const command = ok(text);
  return command.name === 'mitigate' ? command.parameters : undefined;
}

function failure(text: string): string {
  const parsed: ParsedCommand = parseCommand(text);
  if (parsed.ok) throw new Error(`expected "${text}" to be refused, got ${JSON.stringify(parsed.command)}`);
  return parsed.message;
}

describe('parseCommand', () => {
  describe('commands without arguments', () => {
    it.each(['', '   ', '\n\t'])('an empty command (%j) is help', (text) => {
      expect(ok(text)).toEqual({ name: 'help' });
    });

    it.each(['help', 'list', 'roster', 'back'] as const)('%s, in any case and with surrounding spaces', (name) => {
      expect(ok(name)).toEqual({ name });
      expect(ok(name.toUpperCase())).toEqual({ name });
      expect(ok(`  ${name[0]!.toUpperCase()}${name.slice(1)}  `)).toEqual({ name });
    });

    it.each(['help', 'list', 'roster', 'back'])('%s refuses arguments', (name) => {
      expect(failure(`${name} now`)).toMatch(new RegExp(`^\`${name}\` takes no arguments\\.\\n`));
    });
  });

  describe('away', () => {
    it.each([
      ['away', 480],
      ['away 1m', 1],
      ['away 90m', 90],
      ['away 2h', 120],
      ['away 2H', 120],
      ['away 1d', 1440],
      ['away 14d', 14 * 1440],
      ['away 336h', 14 * 1440],
      ['away 20160m', 20160],
      ['AWAY 4h', 240],
    ])('"%s" is %i minutes', (text, minutes) => {
      expect(ok(text)).toEqual({ name: 'away', minutes });
    });

    it.each([
      'away 0m',
      'away 0h',
      'away 20161m',
      'away 15d',
      'away 337h',
      'away 99999m',
      'away 100000m',
      'away 1.5h',
      'away -1h',
      'away 2w',
      'away h',
      'away forever',
      'away 2hours',
    ])('"%s" is refused with the bounds and the usage', (text) => {
      const message = failure(text);
      expect(message).toMatch(
        / is not a duration between 1m and 14d\.\nUsage: `\/firebreak away \[duration\]`, e\.g\. `away 4h`$/,
      );
    });

    it('takes one duration only', () => {
      expect(failure('away 2 h')).toMatch(/^`away` takes one duration\./);
    });

    it('echoes a bad duration escaped and bounded', () => {
      const message = failure('away <!channel>');
      expect(message).toContain('"&lt;!channel&gt;" is not a duration');
      expect(message).not.toContain('<!channel>');
      expect(failure(`away ${'x'.repeat(100)}`)).toContain(`"${'x'.repeat(40)}" is not a duration`);
    });
  });

  describe('incident commands', () => {
    it.each(['show', 'ack'] as const)('%s takes exactly one incident id, case-insensitive', (name) => {
      expect(ok(`${name} ${INC}`)).toEqual({ name, incidentId: INC });
      expect(ok(`${name} ${INC.toLowerCase()}`)).toEqual({ name, incidentId: INC });
      expect(ok(`${name.toUpperCase()} ${INC}`)).toEqual({ name, incidentId: INC });
      expect(failure(name)).toMatch(/^Expected one incident id such as `INC-1A2B3C4D5E`\.\nUsage: /);
      expect(failure(`${name} ${INC} ${INC}`)).toMatch(/^Expected one incident id/);
      expect(failure(`${name} INC-XXXX`)).toMatch(/^Expected one incident id/);
      expect(failure(`${name} INC-1A2B3C4D5`)).toMatch(/^Expected one incident id/);
      expect(failure(`${name} INC-1A2B3C4D5E0`)).toMatch(/^Expected one incident id/);
      expect(failure(`${name} INC-1A2B3C4D5G`)).toMatch(/^Expected one incident id/);
      expect(failure(`${name} ${MIT}`)).toMatch(/^Expected one incident id/);
    });

    it('resolve takes an incident id and an optional note, kept as typed (it is data, escaped when shown)', () => {
      expect(ok(`resolve ${INC}`)).toEqual({ name: 'resolve', incidentId: INC, note: '' });
      expect(ok(`resolve ${INC.toLowerCase()} disk   full\non web-1`)).toEqual({
        name: 'resolve',
        incidentId: INC,
        note: 'disk full on web-1',
      });
      expect(ok(`resolve ${INC} <!channel> done`)).toEqual({ name: 'resolve', incidentId: INC, note: '<!channel> done' });
      expect((ok(`resolve ${INC} ${'n'.repeat(600)}`) as { note: string }).note).toHaveLength(500);
      expect(failure('resolve')).toMatch(
        /^Expected an incident id such as `INC-1A2B3C4D5E`\.\nUsage: `\/firebreak resolve &lt;incident&gt; \[note\]`$/,
      );
      expect(failure('resolve fixed it')).toMatch(/^Expected an incident id/);
    });

    it.each([
      ['sev1', 'SEV1'],
      ['SEV2', 'SEV2'],
      ['Sev3', 'SEV3'],
      ['sev4', 'SEV4'],
    ])('sev accepts %s as %s', (given, severity) => {
      expect(ok(`sev ${INC.toLowerCase()} ${given}`)).toEqual({ name: 'sev', incidentId: INC, severity });
    });

    it.each([
      'sev',
      `sev ${INC}`,
      `sev ${INC} SEV0`,
      `sev ${INC} SEV5`,
      `sev ${INC} SEV9`,
      `sev ${INC} 2`,
      `sev ${INC} critical`,
      `sev ${INC} SEV1 now`,
      'sev INC-XXXX SEV9',
      `sev SEV1 ${INC}`,
    ])('sev refuses "%s"', (text) => {
      expect(failure(text)).toBe(
        'Expected an incident id and a severity SEV1–SEV4.\nUsage: `/firebreak sev &lt;incident&gt; &lt;SEV1-4&gt;`',
      );
    });
  });

  describe('mitigate', () => {
    it('takes an incident, a catalog id (case-insensitive) and key=value parameters', () => {
      expect(ok(`mitigate ${INC} restart-service`)).toEqual({
        name: 'mitigate',
        incidentId: INC,
        catalogId: 'restart-service',
        parameters: {},
      });
      expect(ok(`mitigate ${INC.toLowerCase()} Restart-Service serviceName=nginx.service`)).toEqual({
        name: 'mitigate',
        incidentId: INC,
        catalogId: 'restart-service',
        parameters: { serviceName: 'nginx.service' },
      });
      expect(ok(`MITIGATE ${INC} patch-critical Operation=Install RebootOption=NoReboot`)).toEqual({
        name: 'mitigate',
        incidentId: INC,
        catalogId: 'patch-critical',
        parameters: { Operation: 'Install', RebootOption: 'NoReboot' },
      });
    });

    it('keeps parameter values as typed (checked later against the catalog pattern)', () => {
      expect((ok(`mitigate ${INC} x1 a=b=c`) as { parameters: object }).parameters).toEqual({ a: 'b=c' });
      expect((ok(`mitigate ${INC} x1 a=`) as { parameters: object }).parameters).toEqual({ a: '' });
      expect((ok(`mitigate ${INC} x1 cmd=$(curl;rm)`) as { parameters: object }).parameters).toEqual({ cmd: '$(curl;rm)' });
    });

    it('parameter names are case-sensitive: different cases are different parameters', () => {
      expect((ok(`mitigate ${INC} x1 serviceName=a servicename=b`) as { parameters: object }).parameters).toEqual({
        serviceName: 'a',
        servicename: 'b',
      });
    });

    it('takes a quoted value with spaces (straight or curly quotes, \\" inside), as one parameter', () => {
      expect(ok(`mitigate ${INC} run-command commands="systemctl restart payments-worker.service" note=x`)).toEqual({
        name: 'mitigate',
        incidentId: INC,
        catalogId: 'run-command',
        parameters: { commands: 'systemctl restart payments-worker.service', note: 'x' },
      });
      expect(params(`mitigate ${INC} run-command commands=\u201csystemctl  status x\u201d`)).toEqual({
        commands: 'systemctl  status x',
      });
      expect(params(`mitigate ${INC} run-command say="a \\"quoted\\" word" empty=""`)).toEqual({
        say: 'a "quoted" word',
        empty: '',
      });
    });

    it('refuses an unclosed quote, a quote glued to the next word, and a quoted duplicate', () => {
      expect(failure(`mitigate ${INC} run-command commands="systemctl restart`).split('\n')[0]).toBe(
        'the value of commands opens a quote that is never closed.',
      );
      expect(failure(`mitigate ${INC} run-command a="x"b=y`).split('\n')[0]).toBe(
        'the quoted value of a must be followed by a space.',
      );
      expect(failure(`mitigate ${INC} run-command a=x a="x y"`).split('\n')[0]).toBe('a is given twice.');
      // A quote that does not start the value is part of it, as before (the allowedPattern decides).
      expect(params(`mitigate ${INC} run-command a=x"y`)).toEqual({ a: 'x"y' });
    });

    it('refuses a parameter given twice', () => {
      expect(failure(`mitigate ${INC} restart-service serviceName=a serviceName=b`)).toMatch(
        /^serviceName is given twice\.\nUsage: `\/firebreak mitigate &lt;incident&gt; &lt;catalog id&gt; \[key=value …\]`; quote a value with spaces: `commands="systemctl restart payments-worker.service"`$/,
      );
    });

    it('a parameter named like an Object.prototype member is an ordinary (unknown) parameter, not "given twice"', () => {
      // `name in {}` is true for constructor/toString: the duplicate check must look at own keys only.
      expect(ok(`mitigate ${INC} restart-service constructor=x`)).toEqual({
        name: 'mitigate',
        incidentId: INC,
        catalogId: 'restart-service',
        parameters: { constructor: 'x' },
      });
      expect(parseCommand(`mitigate ${INC} restart-service toString=x`)).toMatchObject({ ok: true });
    });

    it.each([
      [`mitigate ${INC} restart-service serviceName=$(curl x)`, '"x)" is not a key=value parameter.'],
      [`mitigate ${INC} restart-service nginx`, '"nginx" is not a key=value parameter.'],
      [`mitigate ${INC} restart-service =x`, '"=x" is not a key=value parameter.'],
      [`mitigate ${INC} restart-service 1a=x`, '"1a=x" is not a key=value parameter.'],
      [`mitigate ${INC} restart-service a-b=x`, '"a-b=x" is not a key=value parameter.'],
      [`mitigate ${INC} restart-service ${'k'.repeat(51)}=x`, `"${'k'.repeat(51)}=x" is not a key=value parameter.`],
    ])('refuses a malformed parameter: %s', (text, expected) => {
      expect(failure(text).split('\n')[0]).toBe(expected);
    });

    it('accepts a parameter name of 50 characters', () => {
      expect((ok(`mitigate ${INC} restart-service ${'k'.repeat(50)}=x`) as { parameters: object }).parameters).toEqual({
        ['k'.repeat(50)]: 'x',
      });
    });

    it('echoes a malformed parameter escaped and bounded to 60 characters', () => {
      const message = failure(`mitigate ${INC} restart-service <@U0CTO000001>&<!channel>`);
      expect(message.split('\n')[0]).toBe('"&lt;@U0CTO000001&gt;&amp;&lt;!channel&gt;" is not a key=value parameter.');
      expect(failure(`mitigate ${INC} restart-service ${'<'.repeat(100)}`)).toContain(`"${'&lt;'.repeat(60)}" is not`);
    });

    it.each([
      `mitigate`,
      `mitigate ${INC}`,
      `mitigate restart-service ${INC}`,
      `mitigate ${INC} Restart_Service`,
      `mitigate ${INC} r`,
      `mitigate ${INC} 1restart`,
      `mitigate ${INC} ${'a'.repeat(64)}`,
      'mitigate INC-0000 restart-service',
    ])('refuses "%s": an incident id and a catalog id are needed', (text) => {
      expect(failure(text)).toMatch(/^Expected an incident id and a catalog id\.\nUsage: /);
    });
  });

  describe('approve and reject', () => {
    it('approve takes exactly one request id, case-insensitive', () => {
      expect(ok(`approve ${MIT}`)).toEqual({ name: 'approve', requestId: MIT });
      expect(ok(`Approve ${MIT.toLowerCase()}`)).toEqual({ name: 'approve', requestId: MIT });
      for (const bad of ['approve', `approve ${MIT} now`, 'approve MIT-1', `approve ${INC}`, 'approve MIT-0A1B2C3D4Z']) {
        expect(failure(bad)).toBe(
          'Expected one request id such as `MIT-1A2B3C4D5E`.\nUsage: `/firebreak approve &lt;request&gt;`',
        );
      }
    });

    it('reject needs a request id and a reason, kept as typed and bounded to 500 characters', () => {
      expect(ok(`reject ${MIT.toLowerCase()} wrong   instance`)).toEqual({
        name: 'reject',
        requestId: MIT,
        reason: 'wrong instance',
      });
      expect(ok(`reject ${MIT} <!channel> <@U0CTO000001>`)).toEqual({
        name: 'reject',
        requestId: MIT,
        reason: '<!channel> <@U0CTO000001>',
      });
      expect((ok(`reject ${MIT} ${'r'.repeat(900)}`) as { reason: string }).reason).toHaveLength(500);
      expect(failure(`reject ${MIT}`)).toBe(
        'Say why you reject it: `reject &lt;request&gt; &lt;reason&gt;`.\nUsage: `/firebreak reject &lt;request&gt; &lt;reason&gt;`',
      );
      expect(failure(`reject ${MIT}    `)).toMatch(/^Say why you reject it/);
      expect(failure('reject because')).toMatch(/^Expected a request id such as `MIT-1A2B3C4D5E` and a reason\./);
      expect(failure('reject')).toMatch(/^Expected a request id/);
    });
  });

  describe('unknown commands', () => {
    it('names the command and shows the help', () => {
      expect(failure('frobnicate')).toBe(`Unknown command "frobnicate".\n${HELP}`);
      expect(failure('frobnicate everything now')).toBe(`Unknown command "frobnicate".\n${HELP}`);
    });

    it('echoes the command escaped and bounded to 40 characters', () => {
      expect(failure('<!channel>')).toBe(`Unknown command "&lt;!channel&gt;".\n${HELP}`);
      expect(failure('<https://evil.example|Runbook>')).toContain('"&lt;https://evil.example|Runbook&gt;"');
      expect(failure(`${'z'.repeat(100)}`)).toContain(`"${'z'.repeat(40)}"`);
    });
  });

  it('the help names every command and has no raw markup', () => {
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
      expect(HELP).toContain(`\`${word}`);
    expect(HELP).not.toMatch(/[<>]/);
    expect(HELP).toContain('&lt;incident&gt;');
  });

  it.each([
    'frobnicate <!channel>',
    '<!here>',
    '<@U0CTO000001>',
    'away <!everyone>',
    `show <!channel>`,
    `sev ${INC} <!channel>`,
    `mitigate ${INC} <!channel>`,
    `mitigate ${INC} restart-service <@U1>`,
    `approve <!channel>`,
    `reject <!channel> <!channel>`,
    `list <!channel>`,
    'a&b',
  ])('no refusal message carries raw markup: %s', (text) => {
    expect(failure(text)).not.toMatch(/[<>]/);
  });
});

describe('isReadOnlyCommand', () => {
  it.each(['', 'help', 'LIST', ' list ', `show ${INC}`, 'roster', 'silences', 'release status orders'])(
    '%j only reads',
    (text) => {
      expect(isReadOnlyCommand(text)).toBe(true);
    },
  );

  it.each([
    `ack ${INC}`,
    `resolve ${INC} fixed`,
    `sev ${INC} SEV1`,
    `postmortem ${INC}`,
    `mitigate ${INC} isolate-instance`,
    `approve ${MIT}`,
    `reject ${MIT} no`,
    `cancel ${MIT}`,
    'release approve orders',
    'release approve orders --during-freeze',
    'away 4h',
    'back',
    `silence ${INC} 2h noisy`,
    // Invalid: an invalid silence naming an incident is audited there, and nothing unparsed is assumed harmless.
    `silence ${INC} forever`,
    'list now',
    `show ${INC} extra`,
    'release status orders --during-freeze',
    'windows',
    'frobnicate',
  ])('%j may change something (or is refused with an audit): not read-only', (text) => {
    expect(isReadOnlyCommand(text)).toBe(false);
  });
});
