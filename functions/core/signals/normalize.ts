/**
 * What normalizing any raw delivery (signals, deployments, progress) starts with: a size check, and
 * schema failures turned into an InvalidEventError naming the field. Pure.
 */
import * as z from 'zod';
import { formatPath } from '../config-problems.ts';
import { assertEventStructure } from './event-structure.ts';
import { InvalidEventError, MAX_EVENT_BYTES } from './signal.ts';

/** The event's structure (nesting depth, forbidden keys: walked iteratively), then its size. */
export function assertEventSize(raw: unknown): void {
  // Serializing the whole event costs more than the rest of normalizing it: the upper bound of its
  // JSON size the structure walk counts settles almost every event, and only one that might be too
  // large is measured.
  if (assertEventStructure(raw) <= MAX_EVENT_BYTES) return;
  const size = Buffer.byteLength(JSON.stringify(raw ?? null) ?? '', 'utf8');
  if (size > MAX_EVENT_BYTES)
    throw new InvalidEventError('(event)', `is ${size} bytes; EventBridge events are at most ${MAX_EVENT_BYTES}`);
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

/**
 * Each schema once compiled by zod (`z.compile`): the same output for valid input, and an invalid
 * one falls back to the ordinary parser, so its issues are the same too. Parsing envelopes and details
 * was the largest cost of normalizing an event; compiled, it is a fraction of it.
 */
const compiledSchemas = new WeakMap<z.ZodType, z.ZodType>();
function compiled<T extends z.ZodType>(schema: T): T {
  let fast = compiledSchemas.get(schema) as T | undefined;
  if (!fast) compiledSchemas.set(schema, (fast = z.compile(schema, { strict: true })));
  return fast;
}

/** Parses with a zod schema; a failure is an InvalidEventError naming the field under `at`. */
export function parseWith<T extends z.ZodTypeAny>(schema: T, value: unknown, at: string): z.infer<T> {
  const result = compiled(schema).safeParse(value);
  if (result.success) return result.data;
  const error = invalidEventFromIssues(result.error.issues);
  if (!at) throw error;
  throw new InvalidEventError(error.field === '(event)' ? at : `${at}.${error.field}`, error.reason);
}
