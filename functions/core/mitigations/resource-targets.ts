/**
 * Catalog entries that act on a resource a watched change named (a security group rule, an access
 * key, a bucket, a trail) rather than on instances. Their runbook's parameters are pre-filled from
 * the incident's resources (`fromIncident`) and still checked against `allowedPattern`. Pure.
 */
import * as z from '../zod.ts';

/**
 * An anchored regular expression with a capture group: the first incident resource it matches
 * gives the parameter its value (the first group), e.g. `^security-group-rule/(sgr-[0-9a-f]{8,17})$`.
 */
export const FromIncidentPattern = z.string().check(
  z.minLength(3),
  z.maxLength(500),
  z.superRefine((pattern, ctx) => {
    if (!pattern.startsWith('^') || !pattern.endsWith('$') || !pattern.includes('('))
      ctx.addIssue({ code: 'custom', message: 'must be anchored with ^ and $ and capture the value in ( )' });
    try {
      new RegExp(pattern);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(error as Error).message}` });
    }
  }),
);

/** No instances: the runbook acts on the resource its parameters name (one execution; automation only). */
export const ResourceTargetSchema = z.strictObject({ type: z.literal('resource') });

/** Why an entry's targets do not fit its kind: Run Command always targets instances. */
export function targetIssues(entry: { readonly kind: string; readonly targets: { readonly type: string } }) {
  return entry.targets.type === 'resource' && entry.kind !== 'automation'
    ? [
        {
          code: 'custom' as const,
          path: ['targets'],
          message: 'only automation runbooks can target a resource (Run Command targets instances)',
        },
      ]
    : [];
}

/**
 * The value a parameter takes from the incident: the first capture group of `pattern` in the first
 * resource that matches. Whatever it gives is checked against the parameter's allowed pattern like
 * a typed value; a value someone typed wins over it.
 */
export function fromIncidentValue(pattern: string | undefined, resources: readonly string[]): string | undefined {
  if (!pattern) return undefined;
  const expression = new RegExp(pattern);
  for (const resource of resources) {
    const value = expression.exec(resource)?.[1];
    if (value) return value;
  }
  return undefined;
}

/** `watch.respond` may name only catalog entries. */
export function respondIssues(respond: Readonly<Record<string, readonly string[]>>, catalog: ReadonlySet<string>) {
  return Object.entries(respond).flatMap(([watch, ids]) =>
    ids
      .map((id, i) => ({ id, i }))
      .filter(({ id }) => !catalog.has(id))
      .map(({ id, i }) => ({
        code: 'custom' as const,
        path: ['watch', 'respond', watch, i],
        message: `"${id}" is not in the mitigation catalog`,
      })),
  );
}
