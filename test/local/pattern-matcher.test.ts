import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidPatternError, matchesPattern } from '../../functions/local/pattern-matcher.ts';

// The EC2 example event of the EventBridge user guide and the event-ruler README.
const ec2Event = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

const matches = (pattern: Record<string, unknown>, event: unknown = ec2Event) => matchesPattern(pattern, event);

describe('exact values', () => {
  it('matches when the event value is one of the listed values', () => {
    expect(matches({ source: ['aws.ec2'] })).toBe(true);
    expect(matches({ detail: { state: ['initializing', 'running'] } })).toBe(true);
    expect(matches({ detail: { state: ['stopped'] } })).toBe(false);
  });

  it('is case-sensitive and exact (no substring match)', () => {
    expect(matches({ source: ['AWS.EC2'] })).toBe(false);
    expect(matches({ source: ['aws'] })).toBe(false);
  });

  it('requires every field (AND) and any value per field (OR)', () => {
    expect(
      matches({ source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['running'] } }),
    ).toBe(true);
    expect(matches({ source: ['aws.ec2'], detail: { state: ['stopped'] } })).toBe(false);
  });

  it('matches when any element of an event array is listed (non-empty intersection)', () => {
    expect(matches({ resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000', 'other'] })).toBe(true);
    expect(matches({ tags: ['admin'] }, { tags: ['user', 'admin'] })).toBe(true);
    expect(matches({ tags: ['superadmin'] }, { tags: ['user', 'admin'] })).toBe(false);
  });

  it('compares numbers numerically and keeps types apart', () => {
    expect(matches({ detail: { 'c-count': [5] } })).toBe(true);
    expect(matches({ detail: { 'x-limit': [3.018e2] } })).toBe(true);
    expect(matches({ detail: { 'c-count': ['5'] } })).toBe(false);
    expect(matches({ n: [5] }, { n: '5' })).toBe(false);
  });

  it('matches booleans and null literally; null and "" are different', () => {
    const event = { detail: { flag: true, eventVersion: '', responseElements: null } };
    expect(matches({ detail: { flag: [true] } }, event)).toBe(true);
    expect(matches({ detail: { flag: ['true'] } }, event)).toBe(false);
    expect(matches({ detail: { eventVersion: [''] } }, event)).toBe(true);
    expect(matches({ detail: { responseElements: [null] } }, event)).toBe(true);
    expect(matches({ detail: { responseElements: [''] } }, event)).toBe(false);
    expect(matches({ detail: { eventVersion: [null] } }, event)).toBe(false);
  });

  it('does not match a missing field, an object or an empty array', () => {
    expect(matches({ detail: { missing: ['x'] } })).toBe(false);
    expect(matches({ detail: ['x'] })).toBe(false);
    expect(matches({ list: ['x'] }, { list: [] })).toBe(false);
  });

  it('requires the event to have the nested structure of the pattern', () => {
    expect(matches({ detail: { state: ['running'] } }, { state: 'running' })).toBe(false);
    expect(matches({ detail: { state: ['running'] } }, { detail: 'running' })).toBe(false);
  });

  it('never matches something that is not an event object', () => {
    expect(matches({ source: ['aws.ec2'] }, null)).toBe(false);
    expect(matches({ source: ['aws.ec2'] }, 'aws.ec2')).toBe(false);
    expect(matches({ x: [{ exists: false }] }, [1])).toBe(false);
  });
});

describe('prefix, suffix, equals-ignore-case, wildcard', () => {
  it('prefix matches strings only', () => {
    expect(matches({ time: [{ prefix: '2017-10-02' }] })).toBe(true);
    expect(matches({ time: [{ prefix: '2017-10-03' }] })).toBe(false);
    expect(matches({ detail: { 'c-count': [{ prefix: '5' }] } })).toBe(false);
    expect(matches({ source: [{ prefix: '' }] })).toBe(true);
  });

  it('suffix matches strings only', () => {
    expect(matches({ source: [{ suffix: 'ec2' }] })).toBe(true);
    expect(matches({ source: [{ suffix: 'EC2' }] })).toBe(false);
    expect(matches({ detail: { 'd-count': [{ suffix: '3' }] } })).toBe(false);
  });

  it('prefix and suffix accept equals-ignore-case', () => {
    expect(matches({ source: [{ prefix: { 'equals-ignore-case': 'AWS.' } }] })).toBe(true);
    expect(matches({ source: [{ suffix: { 'equals-ignore-case': '.EC2' } }] })).toBe(true);
    expect(matches({ source: [{ suffix: { 'equals-ignore-case': '.s3' } }] })).toBe(false);
  });

  it('equals-ignore-case matches the whole string in any case', () => {
    expect(matches({ source: [{ 'equals-ignore-case': 'AWS.EC2' }] })).toBe(true);
    expect(matches({ source: [{ 'equals-ignore-case': 'EC2' }] })).toBe(false);
  });

  it('wildcard: * is any run of characters, anchored at both ends', () => {
    expect(matches({ source: [{ wildcard: 'aws.*' }] })).toBe(true);
    expect(matches({ source: [{ wildcard: '*.ec2' }] })).toBe(true);
    expect(matches({ source: [{ wildcard: 'a*e*2' }] })).toBe(true);
    expect(matches({ source: [{ wildcard: 'ec2' }] })).toBe(false);
    expect(matches({ source: [{ wildcard: 'aws.ec2*' }] })).toBe(true);
    expect(matches({ 'detail-type': [{ wildcard: '*State-change*' }] })).toBe(true);
    expect(matches({ 'detail-type': [{ wildcard: 'EC2 Instance' }] })).toBe(false);
  });

  it('wildcard: regular-expression characters are literal and \\* is a literal star', () => {
    expect(matches({ f: [{ wildcard: 'a.c' }] }, { f: 'abc' })).toBe(false);
    expect(matches({ f: [{ wildcard: 'a.c' }] }, { f: 'a.c' })).toBe(true);
    expect(matches({ f: [{ wildcard: 'x\\*y' }] }, { f: 'x*y' })).toBe(true);
    expect(matches({ f: [{ wildcard: 'x\\*y' }] }, { f: 'xzy' })).toBe(false);
    expect(matches({ f: [{ wildcard: 'x\\\\y' }] }, { f: 'x\\y' })).toBe(true);
    expect(matches({ f: [{ wildcard: '*' }] }, { f: 'multi\nline' })).toBe(true);
    expect(matches({ f: [{ wildcard: '*' }] }, { f: 7 })).toBe(false);
  });
});

describe('anything-but', () => {
  it('excludes a single string or number', () => {
    expect(matches({ detail: { state: [{ 'anything-but': 'initializing' }] } })).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': 'running' }] } })).toBe(false);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': 123 }] } })).toBe(true);
    expect(matches({ detail: { 'c-count': [{ 'anything-but': 5 }] } })).toBe(false);
  });

  it('excludes a list of strings or of numbers', () => {
    expect(matches({ detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } })).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } })).toBe(false);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } })).toBe(true);
    expect(matches({ detail: { 'c-count': [{ 'anything-but': [4, 5] }] } })).toBe(false);
  });

  it('does not match a missing field', () => {
    expect(matches({ detail: { missing: [{ 'anything-but': 'x' }] } })).toBe(false);
  });

  it('compares by type: a number is not the excluded string', () => {
    expect(matches({ detail: { 'c-count': [{ 'anything-but': '5' }] } })).toBe(true);
  });

  it('supports prefix, suffix, equals-ignore-case and wildcard exclusions', () => {
    expect(matches({ detail: { state: [{ 'anything-but': { prefix: 'init' } }] } })).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': { prefix: 'run' } }] } })).toBe(false);
    expect(matches({ region: [{ 'anything-but': { suffix: '-1' } }] })).toBe(false);
    expect(matches({ region: [{ 'anything-but': { suffix: '-2' } }] })).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'RUNNING' } }] } })).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['STOPPED', 'Pending'] } }] } })).toBe(true);
    expect(matches({ source: [{ 'anything-but': { wildcard: 'aws.*' } }] })).toBe(false);
    expect(matches({ source: [{ 'anything-but': { wildcard: ['*.s3', '*.ecs'] } }] })).toBe(true);
  });

  it('matches an event array when any element is not excluded', () => {
    expect(matches({ tags: [{ 'anything-but': 'banned' }] }, { tags: ['banned', 'ok'] })).toBe(true);
    expect(matches({ tags: [{ 'anything-but': 'banned' }] }, { tags: ['banned'] })).toBe(false);
  });
});

describe('numeric', () => {
  it('matches ranges and equality on JSON numbers', () => {
    expect(
      matches({
        detail: {
          'c-count': [{ numeric: ['>', 0, '<=', 5] }],
          'd-count': [{ numeric: ['<', 10] }],
          'x-limit': [{ numeric: ['=', 3.018e2] }],
        },
      }),
    ).toBe(true);
    expect(matches({ detail: { 'c-count': [{ numeric: ['>', 5] }] } })).toBe(false);
    expect(matches({ detail: { 'c-count': [{ numeric: ['>=', 5] }] } })).toBe(true);
    expect(matches({ detail: { 'c-count': [{ numeric: ['<', 5] }] } })).toBe(false);
    expect(matches({ detail: { 'c-count': [{ numeric: ['>', 0, '<', 5] }] } })).toBe(false);
  });

  it('never matches numeric strings', () => {
    expect(matches({ n: [{ numeric: ['>', 0] }] }, { n: '5' })).toBe(false);
  });

  it('matches any element of a numeric array', () => {
    expect(matches({ vals: [{ numeric: ['>', 0, '<', 10] }] }, { vals: [100, 5, 200] })).toBe(true);
    expect(matches({ vals: [{ numeric: ['>', 0, '<', 10] }] }, { vals: [100, 200] })).toBe(false);
  });
});

describe('exists', () => {
  it('exists: true needs a leaf value (null counts)', () => {
    expect(matches({ detail: { state: [{ exists: true }] } })).toBe(true);
    expect(matches({ detail: { missing: [{ exists: true }] } })).toBe(false);
    expect(matches({ a: [{ exists: true }] }, { a: null })).toBe(true);
    expect(matches({ a: [{ exists: true }] }, { a: [] })).toBe(false);
    expect(matches({ a: [{ exists: true }] }, { a: ['x'] })).toBe(true);
  });

  it('exists: false holds for a missing field, and for intermediate (object) nodes', () => {
    expect(matches({ detail: { 'e-count': [{ exists: false }] } })).toBe(true);
    expect(matches({ detail: { state: [{ exists: false }] } })).toBe(false);
    expect(matches({ detail: { 'c-count': [{ exists: false }] } }, { detail: { 'c-count': { c1: 100 } } })).toBe(true);
    expect(matches({ detail: { 'c-count': [{ exists: true }] } }, { detail: { 'c-count': { c1: 100 } } })).toBe(false);
  });

  it('exists: false holds when the parent object is missing', () => {
    expect(matches({ source: ['aws.ec2'], other: { x: [{ exists: false }] } })).toBe(true);
  });

  it('exists: false is judged on the whole event: no array element may have the field', () => {
    expect(matches({ d: { a: [{ exists: true }], b: [{ exists: false }] } }, { d: [{ a: 1 }] })).toBe(true);
    expect(matches({ d: { a: [{ exists: true }], b: [{ exists: false }] } }, { d: [{ a: 1, b: 2 }] })).toBe(false);
    expect(matches({ d: { b: [{ exists: false }] } }, { d: [{ a: 1 }, { b: 2 }] })).toBe(false);
  });

  it('can be combined with values: absent or equal', () => {
    const pattern = { detail: { state: [{ exists: false }, 'running'] } };
    expect(matches(pattern, { detail: {} })).toBe(true);
    expect(matches(pattern, { detail: { state: 'running' } })).toBe(true);
    expect(matches(pattern, { detail: { state: 'stopped' } })).toBe(false);
  });
});

describe('cidr', () => {
  it('matches IPv4 addresses inside the block', () => {
    expect(matches({ detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } })).toBe(true);
    expect(matches({ detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } })).toBe(false);
    expect(matches({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: 'not-an-ip' })).toBe(false);
    expect(matches({ ip: [{ cidr: '0.0.0.0/0' }] }, { ip: '192.168.1.1' })).toBe(true);
  });

  it('matches IPv6 addresses inside the block', () => {
    expect(matches({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db8:1::5' })).toBe(true);
    expect(matches({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db9::5' })).toBe(false);
    expect(matches({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '10.0.0.1' })).toBe(false);
  });
});

describe('$or', () => {
  it('matches when any option matches, ANDed with the other fields', () => {
    const pattern = {
      source: ['aws.ec2'],
      $or: [{ detail: { state: ['stopped'] } }, { detail: { 'c-count': [{ numeric: ['>', 1] }] } }],
    };
    expect(matches(pattern)).toBe(true);
    expect(matches({ ...pattern, source: ['aws.s3'] })).toBe(false);
    expect(matches({ $or: [{ detail: { state: ['stopped'] } }, { region: ['eu-west-1'] }] })).toBe(false);
  });

  it('works nested, and options may contain their own $or', () => {
    const pattern = {
      detail: {
        $or: [{ state: ['stopped'] }, { 'instance-id': [{ prefix: 'i-' }], $or: [{ 'c-count': [1] }, { 'd-count': [3] }] }],
      },
    };
    expect(matches(pattern)).toBe(true);
    expect(matches(pattern, { detail: { state: 'running', 'instance-id': 'i-1', 'c-count': 2, 'd-count': 2 } })).toBe(false);
  });

  it('supports parallel $or at different levels', () => {
    const pattern = {
      $or: [{ source: ['aws.s3'] }, { region: ['us-east-1'] }],
      detail: { $or: [{ state: ['running'] }, { 'c-count': [99] }] },
    };
    expect(matches(pattern)).toBe(true);
    expect(matches(pattern, { ...ec2Event, region: 'eu-west-1' })).toBe(false);
  });
});

describe('arrays of objects', () => {
  const employees = {
    employees: [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
      { firstName: 'Peter', lastName: 'Jones' },
    ],
  };

  it('matches fields inside any element', () => {
    expect(matches({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
    expect(matches({ employees: { firstName: ['Mary'] } }, employees)).toBe(false);
  });

  it('requires fields matched inside one array to come from the same element', () => {
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees)).toBe(true);
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees)).toBe(false);
  });

  it('crushes nested arrays but keeps element consistency at every level', () => {
    const nested = { u: [{ t: [{ k: 'color', v: 'blue' }] }] };
    const split = { u: [{ t: [{ k: 'color' }, { v: 'blue' }] }] };
    const pattern = { u: { t: { k: ['color'], v: ['blue'] } } };
    expect(matches(pattern, nested)).toBe(true);
    expect(matches(pattern, split)).toBe(false);
    expect(
      matches({ employees: { firstName: ['Peter'] } }, { employees: [[{ firstName: 'John' }], [{ firstName: 'Peter' }]] }),
    ).toBe(true);
  });

  it('lets fields of different arrays match independently', () => {
    const event = { d: { tags: ['a', 'b'], cats: ['x', 'y'] } };
    expect(matches({ d: { tags: ['b'], cats: ['x'] } }, event)).toBe(true);
  });

  it('matches a Security Hub style finding list', () => {
    const event = {
      detail: {
        findings: [
          { Severity: { Label: 'LOW' }, ProductName: 'GuardDuty' },
          { Severity: { Label: 'CRITICAL' }, ProductName: 'Security Hub' },
        ],
      },
    };
    expect(matches({ detail: { findings: { Severity: { Label: ['CRITICAL'] }, ProductName: ['Security Hub'] } } }, event)).toBe(
      true,
    );
    expect(matches({ detail: { findings: { Severity: { Label: ['CRITICAL'] }, ProductName: ['GuardDuty'] } } }, event)).toBe(
      false,
    );
  });
});

describe('invalid patterns throw instead of silently matching nothing', () => {
  const invalid: Array<[string, unknown]> = [
    ['an empty pattern', {}],
    ['a bare value instead of an array', { source: 'aws.ec2' }],
    ['an empty array', { source: [] }],
    ['an unknown operator', { source: [{ contains: 'ec2' }] }],
    ['two operators in one object', { source: [{ prefix: 'a', suffix: 'b' }] }],
    ['a non-string prefix', { source: [{ prefix: 5 }] }],
    ['exists with a non-boolean', { source: [{ exists: 'yes' }] }],
    ['a mixed anything-but list', { source: [{ 'anything-but': ['a', 1] }] }],
    ['an empty anything-but list', { source: [{ 'anything-but': [] }] }],
    ['anything-but with an unknown form', { source: [{ 'anything-but': { contains: 'x' } }] }],
    ['numeric without pairs', { n: [{ numeric: ['>'] }] }],
    ['numeric with two lower bounds', { n: [{ numeric: ['>', 1, '>=', 2] }] }],
    ['numeric = with a range', { n: [{ numeric: ['=', 1, '<', 2] }] }],
    ['numeric with a string bound', { n: [{ numeric: ['>', '1'] }] }],
    ['numeric with crossed bounds', { n: [{ numeric: ['>', 10, '<', 1] }] }],
    ['wildcard with consecutive stars', { f: [{ wildcard: 'a**b' }] }],
    ['wildcard escaping another character', { f: [{ wildcard: 'a\\b' }] }],
    ['a cidr without prefix length', { ip: [{ cidr: '10.0.0.0' }] }],
    ['a cidr prefix out of range', { ip: [{ cidr: '10.0.0.0/33' }] }],
    ['$or with one option', { $or: [{ source: ['a'] }] }],
    ['$or that is not an array', { $or: { source: ['a'] } }],
  ];

  it.each(invalid)('rejects %s', (_name, pattern) => {
    expect(() => matchesPattern(pattern as Record<string, unknown>, ec2Event)).toThrow(InvalidPatternError);
  });

  it('names where the problem is', () => {
    expect(() => matchesPattern({ detail: { state: [{ prefix: 1 }] } }, ec2Event)).toThrow(/detail\.state\[0\]/);
  });
});

describe('compilePattern', () => {
  it('returns the same compiled matcher for the same pattern object', () => {
    const pattern = { source: ['aws.ec2'] };
    expect(compilePattern(pattern)).toBe(compilePattern(pattern));
    expect(compilePattern(pattern)(ec2Event)).toBe(true);
  });

  it('ignores event fields the pattern does not mention, however large', () => {
    const big = {
      ...ec2Event,
      detail: { ...ec2Event.detail, blob: Array.from({ length: 10_000 }, (_, i) => ({ i, nested: [i, String(i)] })) },
    };
    expect(matches({ source: ['aws.ec2'], detail: { state: ['running'] } }, big)).toBe(true);
  });
});
