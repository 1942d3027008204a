/**
 * What normalizing any raw delivery (signals, deployments, progress) starts with: a size check, and
 * schema failures turned into an InvalidEventError naming the field. Pure.
 */
import type * as z from 'zod';
import { formatPath } from '../config.ts';
import { assertEventStructure } from './event-structure.ts';
import { InvalidEventError, MAX_EVENT_BYTES } from './signal.ts';

/** The event's structure (nesting depth, forbidden keys: walked iteratively), then its size. */
export function assertEventSize(raw: unknown): void {
  assertEventStructure(raw);
  // Serializing the whole event costs more than the rest of normalizing it: a cheap upper bound of
  // its JSON size settles almost every event, and only one that might be too large is measured.
  if (jsonBytesAtMost(raw, 0) <= MAX_EVENT_BYTES) return;
  const size = Buffer.byteLength(JSON.stringify(raw ?? null) ?? '', 'utf8');
  if (size > MAX_EVENT_BYTES)
    throw new InvalidEventError('(event)', `is ${size} bytes; EventBridge events are at most ${MAX_EVENT_BYTES}`);
}

/**
 * An upper bound of `value`'s size as UTF-8 JSON: a UTF-16 code unit takes at most 6 bytes (a
 * `\u` escape), a number at most 25 characters; punctuation is counted generously. Infinity when
 * the value is too deep to walk cheaply (the exact measure then decides).
 */
function jsonBytesAtMost(value: unknown, depth: number): number {
  if (typeof value === 'string') return 6 * value.length + 2;
  if (typeof value === 'number') return 25;
  if (value === null || typeof value !== 'object') return 5;
  // Too deep, or serialized by its own toJSON (a Date): only the exact measure knows.
  if (depth > 32 || typeof (value as { toJSON?: unknown }).toJSON === 'function') return Infinity;
  let total = 2;
  if (Array.isArray(value)) for (const item of value) total += jsonBytesAtMost(item, depth + 1) + 1;
  else for (const key in value) total += 6 * key.length + 4 + jsonBytesAtMost((value as Record<string, unknown>)[key], depth + 1);
  return total;
}

/** Turns the first schema issue (zod or any Standard Schema) into the typed error naming its field. */
export function invalidEventFromIssues(
  issues: ReadonlyArray<{ message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> }>,
): InvalidEventError {
  const issue = issues[0];
  if (!issue) return new InvalidEventError('(event)', 'failed validation');
  const path = (issue.path ?? []).map((part) => (typeof part === 'object' ? part.key : part));
  return new InvalidEventError(path.length ? formatPath(path) : '(event)', issue.message);
}

/** Parses with a zod schema; a failure is an InvalidEventError naming the field under `at`. */
export function parseWith<T extends z.ZodTypeAny>(schema: T, value: unknown, at: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const error = invalidEventFromIssues(result.error.issues);
  if (!at) throw error;
  throw new InvalidEventError(error.field === '(event)' ? at : `${at}.${error.field}`, error.reason);
}
