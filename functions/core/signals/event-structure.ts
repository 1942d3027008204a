/**
 * The structure of a raw delivery, checked before anything walks it recursively (the size check's
 * JSON.stringify, zod, the normalizers). Pure.
 *
 * A 10,000-level nested event would otherwise overflow the stack with an untyped RangeError, and a
 * `__proto__` key (JSON.parse keeps it as an own key) would be dropped by object spreads and zod
 * while `constructor` was refused: now all three are refused the same way, naming the field.
 */
import { formatPath } from '../config.ts';
import { InvalidEventError } from './signal.ts';

/** Deepest nesting accepted: real AWS and monitor events stay under 12 levels. */
export const MAX_EVENT_DEPTH = 32;

/** Keys that reach or replace an object's prototype when code copies or merges what it parsed. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Walks the value iteratively (an explicit stack, never recursion): refuses nesting deeper than
 * {@link MAX_EVENT_DEPTH} and any forbidden key, with an InvalidEventError naming the field.
 */
export function assertEventStructure(raw: unknown): void {
  const stack: Array<{ value: unknown; path: PropertyKey[] }> = [{ value: raw, path: [] }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (path.length >= MAX_EVENT_DEPTH)
      throw new InvalidEventError(fieldOf(path), `is nested deeper than ${MAX_EVENT_DEPTH} levels`);
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key))
        throw new InvalidEventError(fieldOf([...path, key]), `"${key}" is never accepted as a key (prototype pollution)`);
      stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
}

const fieldOf = (path: readonly PropertyKey[]): string => (path.length ? formatPath(path) : '(event)');
