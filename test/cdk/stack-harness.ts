/**
 * What the stack tests share (stack-*.test.ts, slack-app-ingress, slack-functions-and-schedules): the
 * example configuration, and the stack synthesized from it once per test file (bundling off), with
 * readers of its template. The bindings are live: a test reads them after the file's `beforeAll` has
 * set them.
 */
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll } from 'vitest';
import { loadConfig, type FirebreakConfig } from '../../lib/config.ts';
import type { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { ROOT, synthesize, templateReaders, type Resource } from './synth.ts';

export let config: FirebreakConfig;
export let app: App;
export let stack: FirebreakStack;
export let template: Template;
export let resources: Record<string, Resource>;

export const { logicalId, ref, arnOf, props, statementsOf, allStatementsFor } = templateReaders(() => ({ stack, resources }));

const exampleConfigFile = () => loadConfig(join(ROOT, 'firebreak.config.json'));

/** Loads the example configuration before the file's tests (for tests that build their own app). */
export function useExampleConfig(): void {
  beforeAll(() => {
    config = exampleConfigFile();
  });
}

/** Loads a configuration (the example file by default) and synthesizes the stack from it, once before the file's tests. */
export function useSynthesizedStack(load: () => FirebreakConfig = exampleConfigFile): void {
  beforeAll(() => {
    config = load();
    ({ app, stack, template, resources } = synthesize(config));
  });
}
