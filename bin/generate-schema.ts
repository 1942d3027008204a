/** `npm run schema`: writes firebreak.schema.json from the zod schema (a test fails while it is stale). */
import { writeFileSync } from 'node:fs';
import { configJsonSchemaText, SCHEMA_FILE } from '../lib/config-schema.ts';

writeFileSync(SCHEMA_FILE, configJsonSchemaText());
process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
