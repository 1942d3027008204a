import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Function folders: each holds its Lambda entry and nothing another function imports. */
// `import { z } from 'zod'` defeats tree-shaking: every zod locale ships in every bundle (~350 KiB).
const ZOD_NAMESPACE_ONLY = {
  selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
  message: "Use import * as z from 'zod' (the named import ships every zod locale in each bundle).",
};
const FUNCTION_FOLDERS = ['ingest', 'notify', 'propose', 'escalate', 'execute', 'track', 'deployments', 'slack'];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '.firebreak/', '.scratch/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': ['error', ZOD_NAMESPACE_ONLY],
    },
  },
  {
    // The layers, as import boundaries: core is pure, adapters know no use case, use cases know no
    // function, and function folders do not reach into each other.
    files: ['functions/**/*.ts'],
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './functions/core',
              from: './functions',
              except: ['./core'],
              message: 'functions/core is pure: it imports nothing outside functions/core.',
            },
            {
              target: './functions/adapters',
              from: [
                './functions/workflow',
                './functions/compose',
                './functions/local',
                ...FUNCTION_FOLDERS.map((f) => `./functions/${f}`),
              ],
              message: 'adapters implement ports; they do not import use cases, composition or handlers.',
            },
            {
              target: './functions/workflow',
              from: [
                './functions/adapters',
                './functions/compose',
                './functions/local',
                ...FUNCTION_FOLDERS.map((f) => `./functions/${f}`),
              ],
              message: 'use cases depend on ports they own, never on adapters or handlers.',
            },
            ...FUNCTION_FOLDERS.map((folder) => ({
              target: `./functions/${folder}`,
              from: FUNCTION_FOLDERS.filter((other) => other !== folder).map((other) => `./functions/${other}`),
              message: 'a function folder does not import another function.',
            })),
          ],
        },
      ],
    },
  },
  {
    // The pure core must stay free of I/O: no AWS SDK, no Slack SDK, no Powertools, no node I/O.
    files: ['functions/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', '@slack/*', '@aws-lambda-powertools/*', 'aws-cdk-lib*'],
              message: 'functions/core is pure: do I/O in functions/adapters.',
            },
            {
              group: ['node:fs*', 'node:net', 'node:http*', 'node:child_process', 'fs', 'http', 'https'],
              message: 'functions/core is pure: do I/O in functions/adapters.',
            },
          ],
        },
      ],
    },
  },
);
