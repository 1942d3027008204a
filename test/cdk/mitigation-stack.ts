/**
 * What the mitigation CDK tests share (mitigation-*.test.ts): the stack synthesized from the example
 * configuration with a quarantine VPC, and readers of its documents, functions and policies.
 */

import { type App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll } from 'vitest';
import { parseConfig, type FirebreakConfig, type FirebreakConfigInput } from '../../functions/core/config.ts';

import { type DocumentParameter } from '../../lib/documents/index.ts';
import { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { exampleConfigInput, synthesize, templateReaders, type Resource } from './synth.ts';

export const VPC_ID = 'vpc-0a1b2c3d4e5f60718';

export type Statement = {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
};
export type Parameter = DocumentParameter;
export type CommandContent = {
  schemaVersion: string;
  parameters: Record<string, Parameter>;
  mainSteps: Array<{ action: string; precondition?: unknown; inputs: { runCommand: string[]; timeoutSeconds: string } }>;
};
export type AutomationContent = {
  schemaVersion: string;
  assumeRole: string;
  parameters: Record<string, Parameter>;
  mainSteps: Array<{ action: string; inputs: { Runtime: string; Script: string; InputPayload: Record<string, unknown> } }>;
};

/** The repository's configuration, with the quarantine VPC set (the stack then creates the group). */
export const rawConfig = () => exampleConfigInput() as FirebreakConfigInput & Record<string, unknown>;
export const withFleet = (fleet: Record<string, unknown>, mutate?: (raw: FirebreakConfigInput) => void): FirebreakConfig => {
  const raw = rawConfig();
  mutate?.(raw);
  return parseConfig({ ...raw, fleet });
};

export let config: FirebreakConfig;
export let app: App;
export let stack: FirebreakStack;
export let template: Template;
export let resources: Record<string, Resource>;

export const { logicalId, ref, arnOf, props, statementsOf, allStatementsFor } = templateReaders(() => ({ stack, resources }));
export const env = (fn: IConstruct) => (props(fn).Environment as { Variables: Record<string, unknown> }).Variables;

export const documentsOf = (type: 'Command' | 'Automation') =>
  Object.values(resources)
    .filter((r) => r.Type === 'AWS::SSM::Document' && r.Properties.DocumentType === type)
    .map((r) => ({ name: r.Properties.Name as string, content: r.Properties.Content as never }));
export const commandDocuments = () => documentsOf('Command') as Array<{ name: string; content: CommandContent }>;
export const allAutomationDocuments = () => documentsOf('Automation') as Array<{ name: string; content: AutomationContent }>;
/** The instance runbooks (isolate, release): the resource runbooks answering watched changes are tested on their own. */
export const automationDocuments = () => allAutomationDocuments().filter((d) => 'InstanceId' in d.content.parameters);
export const documentNamed = (name: string) =>
  Object.values(resources).find((r) => r.Type === 'AWS::SSM::Document' && r.Properties.Name === name)!.Properties;

/** Synthesizes the stack once for the test file, with the quarantine VPC set. */
export function useMitigationStack(): void {
  beforeAll(() => {
    config = withFleet({ vpcId: VPC_ID });
    ({ app, stack, template, resources } = synthesize(config));
  });
}
