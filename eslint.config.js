import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// zod only through functions/core/zod.ts (zod/mini with English messages), as a namespace: classic
// zod's chained methods keep nearly all of zod in every bundle (~65 KiB more than zod/mini).
const ZOD_THROUGH_CORE = [
  {
    selector: 'ImportDeclaration[source.value=/^zod/]',
    message: "Use import * as z from 'functions/core/zod.ts' (zod/mini with English messages).",
  },
  {
    selector: 'ImportDeclaration[source.value=/(^|\\/)zod\\.ts$/] > ImportSpecifier',
    message: "Import functions/core/zod.ts as a namespace: import * as z from '…/core/zod.ts'.",
  },
];
/** Function folders: each holds its Lambda entry and nothing another function imports. */
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
      'no-restricted-syntax': ['error', ...ZOD_THROUGH_CORE],
    },
  },
  { files: ['functions/core/zod.ts'], rules: { 'no-restricted-syntax': 'off' } },
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
