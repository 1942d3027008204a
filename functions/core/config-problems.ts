import type * as z from './zod.ts';

/**
 * Configuration problems as a person reads them: array items named by what they are called in the
 * file (`classification.rules["GuardDuty high finding"].severity`, `mitigations["restart-service"]`),
 * and "did you mean" for a misspelt key. Pure.
 */

/** Arrays whose items have a naming field, by the path of the array. */
const NAMING_FIELDS: ReadonlyArray<{ readonly array: string; readonly field: string }> = [
  { array: 'classification.rules', field: 'name' },
  { array: 'mitigations', field: 'id' },
  { array: 'roster', field: 'name' },
  { array: 'deployments.environments', field: 'environment' },
];

/** The path with each named array item written as `["its name"]` (its index when the name is missing or repeated). */
export function namedPath(path: readonly PropertyKey[], raw: unknown): string {
  const parts: string[] = [];
  let node: unknown = raw;
  let plain: PropertyKey[] = [];
  for (const part of path) {
    const naming = typeof part === 'number' ? NAMING_FIELDS.find((n) => n.array === formatPath(plain)) : undefined;
    const items = Array.isArray(node) ? node : undefined;
    const name = naming && items ? itemName(items, part as number, naming.field) : undefined;
    parts.push(name !== undefined ? `[${JSON.stringify(name)}]` : typeof part === 'number' ? `[${part}]` : `.${String(part)}`);
    plain = [...plain, part];
    node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[part] : undefined;
  }
  const text = parts.join('').replace(/^\./, '');
  return text || '(root)';
}

function itemName(items: readonly unknown[], index: number, field: string): string | undefined {
  const name = (items[index] as Record<string, unknown> | undefined)?.[field];
  if (typeof name !== 'string' || !name) return undefined;
  const same = items.filter((item) => (item as Record<string, unknown> | undefined)?.[field] === name).length;
  return same === 1 ? name : undefined;
}

/** One line per zod issue: the named path, the message, and for unknown keys the closest known one. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], raw: unknown, schema: z.ZodMiniType): string[] {
  return issues.flatMap((issue) => {
    const where = namedPath(issue.path, raw);
    if (issue.code !== 'unrecognized_keys') return [`${where}: ${issue.message}`];
    const known = knownKeys(schema, issue.path);
    return issue.keys.map((key) => {
      const guess = closest(key, known);
      return `${where}: unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : known.length ? ` (known keys: ${known.join(', ')})` : ''}`;
    });
  });
}

/** The keys the schema accepts for the object at `path` (array indexes and record keys followed). */
export function knownKeys(schema: z.ZodMiniType, path: readonly PropertyKey[]): string[] {
  let nodes: unknown[] = [schema];
  for (const part of path) nodes = nodes.flatMap((node) => unwrap(node)).flatMap((node) => child(node, part));
  return [...new Set(nodes.flatMap((node) => unwrap(node)).flatMap((node) => Object.keys(def(node).shape ?? {})))];
}

interface Def {
  type?: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  element?: unknown;
  valueType?: unknown;
  options?: unknown[];
}
const def = (node: unknown): Def => ((node as { _zod?: { def?: Def } })._zod?.def ?? {}) as Def;

/** Through optional, default, pipe and union wrappers, to the schemas that can hold keys or items. */
function unwrap(node: unknown): unknown[] {
  const d = def(node);
  if (d.innerType) return unwrap(d.innerType);
  if (d.type === 'pipe' && d.in) return unwrap(d.in);
  if (d.type === 'union' && d.options) return d.options.flatMap(unwrap);
  return [node];
}

function child(node: unknown, part: PropertyKey): unknown[] {
  const d = def(node);
  if (d.type === 'object' && typeof part === 'string' && d.shape?.[part]) return [d.shape[part]];
  if (d.type === 'array' && typeof part === 'number' && d.element) return [d.element];
  if (d.type === 'record' && d.valueType) return [d.valueType];
  return [];
}

/** The known key closest to `key` (case-insensitive edit distance at most a third of its length, at least 1). */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(best.key.length / 3)) ? best.key : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

/** A zod issue path as people read it: `rules[2].match.source`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    '',
  );
}
