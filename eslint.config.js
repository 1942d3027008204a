import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '.firebreak/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
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
