import { BlockList, isIP } from 'node:net';
import { type EventPattern } from '../core/events/bus.ts';

/**
 * EventBridge content filtering, for the local bus: decides whether an event matches a rule's
 * pattern the way EventBridge does (aws/event-ruler semantics), so drills, tests and the bench apply
 * the very patterns the stack deploys.
 *
 * - A pattern leaf is an array of conditions; the field matches when any condition matches.
 *   Conditions: exact values (string, number, boolean, null), `prefix`, `suffix` (both also with
 *   `{ "equals-ignore-case": ... }`), `equals-ignore-case`, `wildcard`, `anything-but` (value, list,
 *   `prefix`, `suffix`, `equals-ignore-case`, `wildcard`), `numeric`, `exists`, `cidr`.
 * - All fields of a pattern must match; `$or: [p1, p2, ...]` matches when any sub-pattern does.
 *   (EventBridge reads a `$or` that is not a list of two or more patterns as a field named "$or";
 *   here that is an error, since it is almost always a mistake.)
 * - An array in the event matches when any element does. When several fields are matched inside
 *   objects of the same array, they must come from the same element (array consistency).
 * - Only leaves (strings, numbers, booleans, null) match conditions; `exists` tests for a leaf, so
 *   `exists: false` holds for an object-valued field, an empty array or a missing field.
 * - A malformed pattern throws InvalidPatternError instead of silently matching nothing.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return compilePattern(pattern)(event);
}

export class InvalidPatternError extends Error {
  constructor(
    readonly where: string,
    problem: string,
  ) {
    super(`invalid event pattern at ${where}: ${problem}`);
    this.name = 'InvalidPatternError';
  }
}

type Leaf = string | number | boolean | null;
type ValueTest = (value: Leaf) => boolean;

interface FieldCondition {
  readonly path: string;
  /** Any one passing test satisfies the field. */
  readonly tests: readonly ValueTest[];
  /** `exists: false` is among the conditions: the field may be absent. */
  readonly allowAbsent: boolean;
}

/** One array element an event leaf sits in: [array id, element index]. */
type Membership = readonly [number, number];

interface EventLeaf {
  readonly value: Leaf;
  readonly memberships: readonly Membership[];
}

interface CompiledPattern {
  /** Disjunctive normal form: the pattern matches when every condition of one alternative does. */
  readonly alternatives: readonly (readonly FieldCondition[])[];
  /** Every path prefix the pattern mentions, to skip the rest of large events while flattening. */
  readonly prefixes: ReadonlySet<string>;
}

const SEP = '\u0000';
const compiled = new WeakMap<object, (event: unknown) => boolean>();

/**
 * Validates and compiles a pattern once; the returned function is cheap to call per event.
 * Compiled patterns are cached by object identity, so treat patterns as immutable.
 */
export function compilePattern(pattern: EventPattern): (event: unknown) => boolean {
  const cached = compiled.get(pattern);
  if (cached) return cached;
  if (!isPlainObject(pattern)) throw new InvalidPatternError('(root)', 'a pattern must be a JSON object');
  if (Object.keys(pattern).length === 0) throw new InvalidPatternError('(root)', 'a pattern needs at least one field');
  const alternatives = compileObject(pattern, []);
  const prefixes = new Set<string>();
  for (const alternative of alternatives) {
    for (const condition of alternative) {
      const parts = condition.path.split(SEP);
      for (let i = 1; i <= parts.length; i++) prefixes.add(parts.slice(0, i).join(SEP));
    }
  }
  const matcher = matchCompiled.bind(null, { alternatives, prefixes });
  compiled.set(pattern, matcher);
  return matcher;
}

function matchCompiled(pattern: CompiledPattern, event: unknown): boolean {
  // EventBridge events are JSON objects; anything else cannot match.
  if (!isPlainObject(event)) return false;
  const leaves = new Map<string, EventLeaf[]>();
  flatten(event, '', [], pattern.prefixes, leaves, { next: 0 });
  return pattern.alternatives.some((conditions) => satisfy(conditions, 0, leaves, new Map()));
}

/** Backtracking over the candidate leaves, keeping the array elements chosen so far consistent. */
function satisfy(
  conditions: readonly FieldCondition[],
  index: number,
  leaves: ReadonlyMap<string, EventLeaf[]>,
  chosen: ReadonlyMap<number, number>,
): boolean {
  const condition = conditions[index];
  if (!condition) return true;
  const candidates = leaves.get(condition.path);
  // Absence is judged on the whole event, as EventBridge does: no element of any array has the field.
  if (!candidates) return condition.allowAbsent && satisfy(conditions, index + 1, leaves, chosen);
  for (const leaf of candidates) {
    if (!consistent(leaf, chosen) || !condition.tests.some((test) => test(leaf.value))) continue;
    const next = new Map(chosen);
    for (const [array, element] of leaf.memberships) next.set(array, element);
    if (satisfy(conditions, index + 1, leaves, next)) return true;
  }
  return false;
}

function consistent(leaf: EventLeaf, chosen: ReadonlyMap<number, number>): boolean {
  return leaf.memberships.every(([array, element]) => {
    const picked = chosen.get(array);
    return picked === undefined || picked === element;
  });
}

function flatten(
  value: unknown,
  path: string,
  memberships: readonly Membership[],
  prefixes: ReadonlySet<string>,
  out: Map<string, EventLeaf[]>,
  ids: { next: number },
): void {
  if (Array.isArray(value)) {
    const id = ids.next++;
    value.forEach((element, i) => flatten(element, path, [...memberships, [id, i]], prefixes, out, ids));
  } else if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const childPath = path === '' ? key : `${path}${SEP}${key}`;
      if (prefixes.has(childPath)) flatten(child, childPath, memberships, prefixes, out, ids);
    }
  } else if (isLeaf(value) && path !== '') {
    const list = out.get(path);
    const leaf = { value, memberships };
    if (list) list.push(leaf);
    else out.set(path, [leaf]);
  }
}

// --- compiling ---------------------------------------------------------------------------------

function compileObject(pattern: Record<string, unknown>, path: readonly string[]): FieldCondition[][] {
  let alternatives: FieldCondition[][] = [[]];
  for (const [key, value] of Object.entries(pattern)) {
    let sub: FieldCondition[][];
    if (key === '$or') {
      const where = describe(path, '$or');
      if (!Array.isArray(value) || value.length < 2)
        throw new InvalidPatternError(where, '"$or" needs an array of at least two patterns');
      sub = value.flatMap((option, i) => {
        if (!isPlainObject(option) || Object.keys(option).length === 0)
          throw new InvalidPatternError(`${where}[${i}]`, 'each "$or" option must be a non-empty object');
        return compileObject(option, path);
      });
    } else if (Array.isArray(value)) {
      sub = [[compileField([...path, key], value)]];
    } else if (isPlainObject(value)) {
      sub = compileObject(value, [...path, key]);
    } else {
      throw new InvalidPatternError(describe(path, key), 'a field must be an array of conditions or a nested object');
    }
    alternatives = alternatives.flatMap((left) => sub.map((right) => [...left, ...right]));
  }
  return alternatives;
}

function compileField(path: readonly string[], conditions: readonly unknown[]): FieldCondition {
  const where = describe(path);
  if (conditions.length === 0) throw new InvalidPatternError(where, 'an empty array matches nothing');
  let allowAbsent = false;
  const tests: ValueTest[] = [];
  conditions.forEach((condition, i) => {
    const at = `${where}[${i}]`;
    if (isLeaf(condition)) {
      tests.push((value) => value === condition);
      return;
    }
    if (!isPlainObject(condition))
      throw new InvalidPatternError(at, 'a condition is a string, number, boolean, null or an object such as {"prefix": "..."}');
    const entries = Object.entries(condition);
    if (entries.length !== 1) throw new InvalidPatternError(at, 'a condition object has exactly one operator');
    const [operator, operand] = entries[0]!;
    if (operator === 'exists') {
      if (typeof operand !== 'boolean') throw new InvalidPatternError(at, '"exists" takes true or false');
      if (operand) tests.push(() => true);
      else allowAbsent = true;
      return;
    }
    tests.push(compileOperator(operator, operand, at));
  });
  return { path: path.join(SEP), tests, allowAbsent };
}

function compileOperator(operator: string, operand: unknown, at: string): ValueTest {
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      const test =
        operator === 'prefix'
          ? (value: string, affix: string) => value.startsWith(affix)
          : (value: string, affix: string) => value.endsWith(affix);
      if (typeof operand === 'string') return (value) => typeof value === 'string' && test(value, operand);
      const ignoreCase = isPlainObject(operand) && Object.keys(operand).length === 1 ? operand['equals-ignore-case'] : undefined;
      if (typeof ignoreCase !== 'string')
        throw new InvalidPatternError(at, `"${operator}" takes a string or {"equals-ignore-case": string}`);
      const folded = fold(ignoreCase);
      return (value) => typeof value === 'string' && test(fold(value), folded);
    }
    case 'equals-ignore-case': {
      if (typeof operand !== 'string') throw new InvalidPatternError(at, '"equals-ignore-case" takes a string');
      const folded = fold(operand);
      return (value) => typeof value === 'string' && fold(value) === folded;
    }
    case 'wildcard': {
      if (typeof operand !== 'string') throw new InvalidPatternError(at, '"wildcard" takes a string');
      const regex = wildcardRegex(operand, at);
      return (value) => typeof value === 'string' && regex.test(value);
    }
    case 'anything-but':
      return compileAnythingBut(operand, at);
    case 'numeric':
      return compileNumeric(operand, at);
    case 'cidr':
      return compileCidr(operand, at);
    default:
      throw new InvalidPatternError(at, `unknown operator "${operator}"`);
  }
}

/** Matches every leaf except the excluded ones; like every condition, it needs the field present. */
function compileAnythingBut(operand: unknown, at: string): ValueTest {
  if (typeof operand === 'string' || typeof operand === 'number') return (value) => value !== operand;
  if (Array.isArray(operand)) {
    const allStrings = operand.every((item) => typeof item === 'string');
    const allNumbers = operand.every((item) => typeof item === 'number');
    if (operand.length === 0 || !(allStrings || allNumbers))
      throw new InvalidPatternError(at, '"anything-but" takes a non-empty list of only strings or only numbers');
    const excluded = new Set<Leaf>(operand as Leaf[]);
    return (value) => !excluded.has(value);
  }
  if (isPlainObject(operand) && Object.keys(operand).length === 1) {
    const [operator, inner] = Object.entries(operand)[0]!;
    const strings =
      typeof inner === 'string'
        ? [inner]
        : Array.isArray(inner) && inner.length > 0 && inner.every((s) => typeof s === 'string')
          ? (inner as string[])
          : undefined;
    if (operator === 'prefix' && typeof inner === 'string')
      return (value) => !(typeof value === 'string' && value.startsWith(inner));
    if (operator === 'suffix' && typeof inner === 'string')
      return (value) => !(typeof value === 'string' && value.endsWith(inner));
    if (operator === 'equals-ignore-case' && strings) {
      const folded = new Set(strings.map(fold));
      return (value) => !(typeof value === 'string' && folded.has(fold(value)));
    }
    if (operator === 'wildcard' && strings) {
      const regexes = strings.map((s, i) => wildcardRegex(s, `${at}.wildcard${Array.isArray(inner) ? `[${i}]` : ''}`));
      return (value) => !(typeof value === 'string' && regexes.some((regex) => regex.test(value)));
    }
  }
  throw new InvalidPatternError(
    at,
    '"anything-but" takes a string, a number, a list, or {"prefix"|"suffix": string} or {"equals-ignore-case"|"wildcard": string or list}',
  );
}

const LOWER = new Set(['>', '>=']);
const UPPER = new Set(['<', '<=']);

/** `["=", 5]`, `[">", 0]`, `[">=", 0, "<", 10]`: only JSON numbers match, never numeric strings. */
function compileNumeric(operand: unknown, at: string): ValueTest {
  const fail = (problem: string) => new InvalidPatternError(at, `"numeric" ${problem}`);
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0)
    throw fail('takes operator/number pairs such as [">", 0, "<=", 5]');
  if (operand[0] === '=') {
    if (operand.length !== 2 || !isFiniteNumber(operand[1])) throw fail('"=" takes exactly one number');
    const target = operand[1];
    return (value) => value === target;
  }
  if (operand.length > 4) throw fail('takes at most one lower and one upper bound');
  let lower: ((n: number) => boolean) | undefined;
  let upper: ((n: number) => boolean) | undefined;
  let lowerValue = -Infinity;
  let upperValue = Infinity;
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    const bound = operand[i + 1];
    if (!isFiniteNumber(bound)) throw fail(`needs a number after "${String(op)}"`);
    if (LOWER.has(op) && !lower) {
      lowerValue = bound;
      lower = op === '>' ? (n) => n > bound : (n) => n >= bound;
    } else if (UPPER.has(op) && !upper) {
      upperValue = bound;
      upper = op === '<' ? (n) => n < bound : (n) => n <= bound;
    } else {
      throw fail(`has an unexpected operator "${String(op)}" (use one of >, >=, <, <= once per side, or "=" alone)`);
    }
  }
  if (lowerValue > upperValue) throw fail('has a lower bound above its upper bound');
  return (value) => typeof value === 'number' && (!lower || lower(value)) && (!upper || upper(value));
}

function compileCidr(operand: unknown, at: string): ValueTest {
  const [address, bits, extra] = typeof operand === 'string' ? operand.split('/') : [];
  const family = address ? isIP(address) : 0;
  const prefix = bits !== undefined && /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (family === 0 || extra !== undefined || !(prefix >= 0 && prefix <= (family === 4 ? 32 : 128))) {
    throw new InvalidPatternError(at, '"cidr" takes an IPv4 or IPv6 block such as "10.0.0.0/24"');
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const block = new BlockList();
  block.addSubnet(address!, prefix, type);
  return (value) => typeof value === 'string' && isIP(value) === family && block.check(value, type);
}

/** `*` is any run of characters, `\*` a literal star, `\\` a literal backslash; `**` is invalid. */
function wildcardRegex(wildcard: string, at: string): RegExp {
  let source = '';
  let previousStar = false;
  for (let i = 0; i < wildcard.length; i++) {
    const char = wildcard[i]!;
    if (char === '\\') {
      const escaped = wildcard[i + 1];
      if (escaped !== '*' && escaped !== '\\') throw new InvalidPatternError(at, '"wildcard" only allows escaping "*" and "\\"');
      source += `\\${escaped}`;
      i++;
      previousStar = false;
    } else if (char === '*') {
      if (previousStar) throw new InvalidPatternError(at, '"wildcard" does not allow consecutive "*"');
      source += '[\\s\\S]*';
      previousStar = true;
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      previousStar = false;
    }
  }
  return new RegExp(`^${source}$`, 'u');
}

function fold(text: string): string {
  return text.toLowerCase();
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || isFiniteNumber(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(path: readonly string[], key?: string): string {
  const parts = key === undefined ? path : [...path, key];
  return parts.length === 0 ? '(root)' : parts.join('.');
}
