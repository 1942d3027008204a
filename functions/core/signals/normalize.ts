/**
 * What normalizing any raw delivery (signals, deployments, progress) starts with: a size check, and
 * schema failures turned into an InvalidEventError naming the field. Pure.
 */
import * as z from '../zod.ts';
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

/** Parses with a zod schema; a failure is an InvalidEventError naming the field under `at`. */
export function parseWith<T extends z.ZodMiniType>(schema: T, value: unknown, at: string): z.infer<T> {
  return resultOf(schema.safeParse(value), at);
}

/** Each schema's compiled clone, made on its first parse. */
const compiledSchemas = new WeakMap<z.ZodMiniType, z.ZodMiniType>();

/**
 * {@link parseWith} with the schema compiled by zod once (`z.compile`): the same output for valid
 * input, and invalid input falls back to the ordinary parser, so its issues are the same too. For
 * what every event passes through (the envelope and each signal source's detail), whose parsing was
 * the largest cost of normalizing an event; it brings zod's compiler (about 29 KiB minified) into a
 * bundle, so rarer paths keep parseWith. Strict: a schema zod cannot compile fails its first parse
 * (in every test) rather than running slower unnoticed.
 */
export function parseCompiled<T extends z.ZodMiniType>(schema: T, value: unknown, at: string): z.infer<T> {
  let fast = compiledSchemas.get(schema) as T | undefined;
  if (!fast) compiledSchemas.set(schema, (fast = z.compile(schema, { strict: true })));
  return resultOf(fast.safeParse(value), at);
}

function resultOf<T>(result: z.util.SafeParseResult<T>, at: string): T {
  if (result.success) return result.data;
  const error = invalidEventFromIssues(result.error.issues);
  if (!at) throw error;
  throw new InvalidEventError(error.field === '(event)' ? at : `${at}.${error.field}`, error.reason);
}
