/**
 * What the stack tests share (stack-*.test.ts): the example configuration, and the stack synthesized
 * from it once per test file (bundling off), with readers of its template. The bindings are live:
 * a test reads them after the file's `beforeAll` has set them.
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

export const { logicalId, ref, arnOf } = templateReaders(() => ({ stack, resources }));

/** Loads the example configuration before the file's tests (for tests that build their own app). */
export function useExampleConfig(): void {
  beforeAll(() => {
    config = loadConfig(join(ROOT, 'firebreak.config.json'));
  });
}

/** Loads the example configuration and synthesizes the stack from it, once before the file's tests. */
export function useSynthesizedStack(): void {
  beforeAll(() => {
    config = loadConfig(join(ROOT, 'firebreak.config.json'));
    ({ app, stack, template, resources } = synthesize(config));
  });
}
