/**
 * The envelope around every event: unknown sources and detail-types, wrong or missing envelope fields,
 * the 256 KB size cap, an envelope parsed by the middleware, and how zod issues become an
 * InvalidEventError (harness: normalize-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { assertEventSize, invalidEventFromIssues } from '../../../functions/core/signals/normalize.ts';
import { normalizeEnvelope, normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import {
  EventEnvelopeSchema,
  InvalidEventError,
  MAX_EVENT_BYTES,
  UnsupportedSourceError,
} from '../../../functions/core/signals/signal.ts';
import { fixture } from '../../support.ts';
import { monitorEvent, without } from '../helpers.ts';
import { invalid } from './normalize-harness.ts';

describe('normalizeEvent: envelope abuse', () => {
  it('rejects an unknown source with UnsupportedSourceError naming source', () => {
    const event = { ...fixture('ec2-instance-state-change-terminated.json'), source: 'aws.codedeploy' };
    const error = invalid(() => normalizeEvent(event));
    expect(error).toBeInstanceOf(UnsupportedSourceError);
    expect(error.field).toBe('source');
    expect(error.reason).toContain('aws.codedeploy');
  });

  it('rejects a supported source with an unknown detail-type', () => {
    const event = { ...fixture('guardduty-finding-ec2-high-wrapped.json'), 'detail-type': 'GuardDuty Malware Scan' };
    expect(invalid(() => normalizeEvent(event))).toBeInstanceOf(UnsupportedSourceError);
  });

  it('does not take Firebreak\'s own "firebreak" source for a monitor', () => {
    expect(invalid(() => normalizeEvent(monitorEvent({ title: 'x' }, { source: 'firebreak' })))).toBeInstanceOf(
      UnsupportedSourceError,
    );
  });

  it.each(['id', 'detail-type', 'source', 'account', 'time', 'region', 'detail'])(
    'rejects an envelope without %s, naming it',
    (field) => {
      const event: Record<string, unknown> = structuredClone(fixture('health-ec2-issue.json'));
      delete event[field];
      expect(invalid(() => normalizeEvent(event)).field).toBe(field);
    },
  );

  it('rejects wrong envelope types, naming the field', () => {
    const event = fixture('health-ec2-issue.json');
    expect(invalid(() => normalizeEvent({ ...event, detail: 'text' })).field).toBe('detail');
    expect(invalid(() => normalizeEvent({ ...event, detail: null })).field).toBe('detail');
    expect(invalid(() => normalizeEvent({ ...event, resources: 'i-abcd1111' })).field).toBe('resources');
    expect(invalid(() => normalizeEvent({ ...event, account: 123456789012 })).field).toBe('account');
  });

  it.each([null, undefined, 'event', 42, []])('rejects a non-object delivery %j as (event)', (raw) => {
    expect(invalid(() => normalizeEvent(raw)).field).toBe('(event)');
  });

  it('rejects an unparsable time naming time', () => {
    const error = invalid(() => normalizeEvent({ ...fixture('health-ec2-issue.json'), time: 'yesterday at noon' }));
    expect(error.field).toBe('time');
    expect(error.reason).toContain('yesterday at noon');
  });

  it('rejects a 1 MB payload as (event) before looking at anything else', () => {
    const event = {
      ...fixture('health-ec2-issue.json'),
      source: 'not.even.supported',
      detail: { blob: 'x'.repeat(1024 * 1024) },
    };
    const error = invalid(() => normalizeEvent(event));
    expect(error).not.toBeInstanceOf(UnsupportedSourceError);
    expect(error.field).toBe('(event)');
    expect(error.reason).toContain(String(MAX_EVENT_BYTES));
  });

  it('defaults missing envelope resources to none', () => {
    const { envelope } = normalizeEvent(without(fixture('guardduty-finding-ec2-high-wrapped.json'), 'resources'));
    expect(envelope.resources).toEqual([]);
  });
});

describe('assertEventSize', () => {
  it('accepts exactly 256 KB and rejects one byte more', () => {
    // JSON.stringify adds two quotes around a string.
    expect(() => assertEventSize('a'.repeat(MAX_EVENT_BYTES - 2))).not.toThrow();
    expect(() => assertEventSize('a'.repeat(MAX_EVENT_BYTES - 1))).toThrow(InvalidEventError);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const chars = MAX_EVENT_BYTES / 2; // 'é' is two bytes in UTF-8
    expect(() => assertEventSize('é'.repeat(chars))).toThrow(/bytes/);
  });

  it('measures exactly whatever the shape: escapes, nesting, many keys, dates', () => {
    // Each control character becomes a 6-byte \u escape in JSON.
    expect(() => assertEventSize({ d: '\u0001'.repeat(Math.floor(MAX_EVENT_BYTES / 6)) })).toThrow(InvalidEventError);
    const nested = { detail: { items: Array.from({ length: 1_800 }, (_, i) => ({ [`key${i}`]: 'x'.repeat(120) })) } };
    const size = Buffer.byteLength(JSON.stringify(nested));
    expect(size).toBeLessThan(MAX_EVENT_BYTES);
    expect(() => assertEventSize(nested)).not.toThrow();
    const over = { ...nested, pad: 'y'.repeat(MAX_EVENT_BYTES - size) };
    expect(() => assertEventSize(over)).toThrow(InvalidEventError);
    // Within the nesting limit (32; deeper is refused by the structure check, test/core/signals/event-structure.test.ts).
    const deep = JSON.parse('{"a":'.repeat(30) + '1' + '}'.repeat(30)) as unknown;
    expect(() => assertEventSize(deep)).not.toThrow();
    expect(() => assertEventSize({ at: new Date(0), pad: 'z'.repeat(MAX_EVENT_BYTES - 40) })).toThrow(InvalidEventError);
  });

  it('accepts null and undefined', () => {
    expect(() => assertEventSize(undefined)).not.toThrow();
    expect(() => assertEventSize(null)).not.toThrow();
  });
});

describe('normalizeEnvelope', () => {
  it('normalizes an envelope already parsed by the middleware the same way', () => {
    const raw = fixture('guardduty-finding-ec2-high-wrapped.json');
    const envelope = EventEnvelopeSchema.parse(raw);
    expect(normalizeEnvelope(envelope)).toEqual(normalizeEvent(raw).signals);
  });

  it('still rejects a bad time and an unsupported source', () => {
    const envelope = EventEnvelopeSchema.parse(fixture('health-ec2-issue.json'));
    expect(invalid(() => normalizeEnvelope({ ...envelope, time: 'soon' })).field).toBe('time');
    expect(invalid(() => normalizeEnvelope({ ...envelope, source: 'aws.s3' })).field).toBe('source');
  });

  it('passes customSources through', () => {
    const envelope = EventEnvelopeSchema.parse(monitorEvent({ title: 'x' }, { source: 'io.pagerduty' }));
    expect(normalizeEnvelope(envelope, { customSources: ['io.pagerduty'] })[0]!.source).toBe('io.pagerduty');
  });
});

describe('invalidEventFromIssues', () => {
  it('names the first issue with a formatted path', () => {
    const error = invalidEventFromIssues([
      { message: 'expected number', path: ['detail', 'findings', 0, 'Severity'] },
      { message: 'ignored', path: ['id'] },
    ]);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error.field).toBe('detail.findings[0].Severity');
    expect(error.reason).toBe('expected number');
  });

  it('accepts Standard Schema path segments ({ key })', () => {
    expect(invalidEventFromIssues([{ message: 'm', path: [{ key: 'detail' }, { key: 'resources' }, { key: 3 }] }]).field).toBe(
      'detail.resources[3]',
    );
  });

  it('uses (event) for a root issue or no issues at all', () => {
    expect(invalidEventFromIssues([{ message: 'expected object' }]).field).toBe('(event)');
    expect(invalidEventFromIssues([{ message: 'expected object', path: [] }]).field).toBe('(event)');
    expect(invalidEventFromIssues([]).field).toBe('(event)');
  });
});
