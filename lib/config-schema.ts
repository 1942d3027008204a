import * as z from '../functions/core/zod.ts';
import { FirebreakConfigSchema } from '../functions/core/config.ts';

/** Where the generated schema is shipped (the package root), and how a configuration points at it. */
export const SCHEMA_FILE = 'firebreak.schema.json';

/**
 * The JSON Schema of firebreak.config.json, generated from the zod schema the stack validates with,
 * so editors complete and check the file. It describes the input (defaults make fields optional);
 * cross-field checks (one CTO, catalog references, quorum) stay with `firebreak config check`.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(FirebreakConfigSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return {
    $schema: schema.$schema,
    title: 'Firebreak configuration (firebreak.config.json)',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}

/** The file's text: what `npm run schema` writes and a test compares with the shipped file. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
