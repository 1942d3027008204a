import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local for the whole run; each test file creates its own table.
    globalSetup: ['test/global-setup.ts'],
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', AWS_REGION: 'us-east-1' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: CDK synth and DynamoDB Local both want CPU.
    maxWorkers: 2,
  },
});
