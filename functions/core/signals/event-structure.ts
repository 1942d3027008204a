/**
 * The structure of a raw delivery, checked before anything walks it recursively (the size check's
 * JSON.stringify, zod, the normalizers). Pure.
 *
 * A 10,000-level nested event would otherwise overflow the stack with an untyped RangeError, and a
 * `__proto__` key (JSON.parse keeps it as an own key) would be dropped by object spreads and zod
 * while `constructor` was refused: now all three are refused the same way, naming the field.
 */
import { formatPath } from '../config-problems.ts';
import { InvalidEventError } from './signal.ts';

/** Deepest nesting accepted: real AWS and monitor events stay under 12 levels. */
export const MAX_EVENT_DEPTH = 32;

/**
 * Keys that reach or replace an object's prototype when code copies or merges what it parsed.
 * Compared directly: every key of every event is checked, and a Set lookup cost more than the rest of the walk.
 */
const isForbiddenKey = (key: string): boolean => key === '__proto__' || key === 'constructor' || key === 'prototype';

/** A value waiting on the walk's stack: its key and its parent's node, so a path is built only for an error. */
interface Node {
  readonly value: unknown;
  readonly key: PropertyKey | undefined;
  readonly parent: Node | undefined;
  readonly depth: number;
}

/**
 * Walks the value iteratively (an explicit stack, never recursion): refuses nesting deeper than
 * {@link MAX_EVENT_DEPTH} and any forbidden key, with an InvalidEventError naming the field. Returns
 * an upper bound of the value's size as UTF-8 JSON, counted on the way (a UTF-16 code unit takes at
 * most 6 bytes, a `\u` escape; a number at most 25 characters; punctuation generously), Infinity
 * when a value serializes through its own `toJSON` (a Date): only an exact measure knows then.
 */
export function assertEventStructure(raw: unknown): number {
  const rootBound = primitiveBound(raw);
  if (rootBound !== undefined) return rootBound;
  let bound = 0;
  // Only objects and arrays wait on the stack (with their key and parent, for an error's path): a
  // primitive is counted where it is found, so most values of an event allocate nothing.
  const stack: Node[] = [{ value: raw, key: undefined, parent: undefined, depth: 0 }];
  while (stack.length) {
    const node = stack.pop()!;
    const value = node.value as object;
    if (node.depth >= MAX_EVENT_DEPTH)
      throw new InvalidEventError(fieldOf(pathOf(node)), `is nested deeper than ${MAX_EVENT_DEPTH} levels`);
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') bound = Infinity;
    bound += 2;
    const depth = node.depth + 1;
    if (Array.isArray(value)) {
      bound += value.length;
      for (let i = value.length - 1; i >= 0; i--) {
        const item: unknown = value[i];
        const size = primitiveBound(item);
        if (size === undefined) stack.push({ value: item, key: i, parent: node, depth });
        else bound += size;
      }
      continue;
    }
    for (const key of Object.keys(value)) {
      if (isForbiddenKey(key))
        throw new InvalidEventError(fieldOf([...pathOf(node), key]), `"${key}" is never accepted as a key (prototype pollution)`);
      bound += 6 * key.length + 4;
      const item = (value as Record<string, unknown>)[key];
      const size = primitiveBound(item);
      if (size === undefined) stack.push({ value: item, key, parent: node, depth });
      else bound += size;
    }
  }
  return bound;
}

/** The JSON size bound of a string, number or other primitive; undefined for an object or an array, which are walked. */
function primitiveBound(value: unknown): number | undefined {
  if (typeof value === 'string') return 6 * value.length + 2;
  if (typeof value === 'number') return 25;
  if (typeof value !== 'object' || value === null) return 5;
  return undefined;
}

function pathOf(node: Node): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let at: Node | undefined = node; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

const fieldOf = (path: readonly PropertyKey[]): string => (path.length ? formatPath(path) : '(event)');
