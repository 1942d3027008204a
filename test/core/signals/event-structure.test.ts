import { describe, expect, it } from 'vitest';
import { assertEventStructure, MAX_EVENT_DEPTH } from '../../../functions/core/signals/event-structure.ts';
import { assertEventSize } from '../../../functions/core/signals/normalize.ts';
import { InvalidEventError } from '../../../functions/core/signals/signal.ts';

const nested = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('event structure: checked iteratively before any recursive work', () => {
  it('refuses a 10,000-level nested detail with a typed error naming the field, not a RangeError', () => {
    const raw = JSON.parse(`{"id":"e1","detail":${nested(10_000)}}`) as unknown;
    expect(() => assertEventSize(raw)).toThrow(InvalidEventError);
    try {
      assertEventSize(raw);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidEventError);
      expect((error as InvalidEventError).field).toBe(`detail${'.a'.repeat(MAX_EVENT_DEPTH - 1)}`);
      expect((error as InvalidEventError).reason).toBe(`is nested deeper than ${MAX_EVENT_DEPTH} levels`);
    }
  });

  it('refuses deep arrays too, naming the index path', () => {
    const raw = JSON.parse(`{"detail":{"list":${'['.repeat(5000)}${']'.repeat(5000)}}}`) as unknown;
    expect(() => assertEventStructure(raw)).toThrow(/invalid event: detail\.list(\[0\])+: is nested deeper than 32 levels/);
  });

  it('accepts nesting up to the limit', () => {
    expect(() => assertEventStructure(JSON.parse(`{"detail":${nested(MAX_EVENT_DEPTH - 2)}}`))).not.toThrow();
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'refuses a %s key anywhere in the detail, from raw JSON, naming it',
    (key) => {
      const top = JSON.parse(`{"detail":{"${key}":{"polluted":true}}}`) as unknown;
      expect(() => assertEventStructure(top)).toThrow(
        new InvalidEventError(`detail.${key}`, `"${key}" is never accepted as a key (prototype pollution)`),
      );
      const deep = JSON.parse(`{"detail":{"findings":[{"Resources":[{"${key}":1}]}]}}`) as unknown;
      expect(() => assertEventStructure(deep)).toThrow(`invalid event: detail.findings[0].Resources[0].${key}:`);
    },
  );

  it('JSON.parse keeps __proto__ as an own key, and the check sees it (an object literal would not)', () => {
    const parsed = JSON.parse('{"__proto__":{"x":1}}') as object;
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    expect({} as { x?: number }).not.toHaveProperty('x');
  });

  it('accepts keys that merely contain the words', () => {
    expect(() => assertEventStructure({ detail: { constructorName: 'x', proto: 1, my_prototype: 2 } })).not.toThrow();
  });
});
