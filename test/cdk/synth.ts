import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { FirebreakConfig, FirebreakConfigInput } from '../../functions/core/config.ts';
import { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { exampleConfig } from '../support.ts';

/** What the CDK tests share: one way to synthesize the stack and to read its template. */

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = join(ROOT, 'test/fixtures/events');
const EXAMPLE_CONFIG = join(ROOT, 'firebreak.config.json');
/** The feature flags `cdk synth` uses, so the tests synthesize the same template. */
export const CDK_CONTEXT = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> })
  .context;

/** Bundling off: the tests check the template; `npm run synth` and the bundling test cover esbuild. */
export const newApp = () => new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });

/** The example configuration as a person wrote it, before parsing (each call a fresh copy to change). */
export const exampleConfigInput = () => JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as FirebreakConfigInput;

export type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string[];
};
export type Statement = {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
  Condition?: unknown;
  Principal?: unknown;
};

export interface Synthesized {
  app: App;
  stack: FirebreakStack;
  template: Template;
  resources: Record<string, Resource>;
}

/** The stack synthesized from `config` (the example configuration by default). */
export function synthesize(config: FirebreakConfig = exampleConfig(), app = newApp()): Synthesized {
  const stack = new FirebreakStack(app, 'Firebreak', { config });
  const template = Template.fromStack(stack);
  return { app, stack, template, resources: template.toJSON().Resources as Record<string, Resource> };
}

export const actionsOf = (statement: Statement) => [statement.Action].flat();

/**
 * Readers of a synthesized template. `current` is read at each call, so a test file can build these
 * once at module level and synthesize in `beforeAll`.
 */
export function templateReaders(current: () => Pick<Synthesized, 'stack' | 'resources'>) {
  /** Logical id of an L1 resource, or of the L1 resource behind an L2 construct. */
  const logicalId = (construct: IConstruct) =>
    current().stack.getLogicalId((construct instanceof CfnElement ? construct : construct.node.defaultChild) as CfnElement);
  const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });
  const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });
  const props = (construct: IConstruct) => current().resources[logicalId(construct)]!.Properties;
  /** Every statement of the identity policies attached to a role. */
  const statementsOf = (role: IConstruct): Statement[] =>
    Object.values(current().resources)
      .filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' &&
          (r.Properties.Roles as unknown[]).some((x) => JSON.stringify(x) === JSON.stringify(ref(role))),
      )
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  /** Every identity-policy statement in the stack that allows `action`, with the roles it is attached to. */
  const allStatementsFor = (action: string) =>
    Object.values(current().resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) =>
        (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement.map((s) => ({
          roles: r.Properties.Roles as unknown[],
          s,
        })),
      )
      .filter(({ s }) => actionsOf(s).includes(action));
  return { logicalId, ref, arnOf, props, statementsOf, allStatementsFor };
}

/** `arn:${Partition}:<service>:${Region}:<account>:<rest>` as CloudFormation renders formatArn. */
export const arnJoin = (service: string, rest: string, account: 'this' | 'none' = 'this') => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      `:${service}:`,
      { Ref: 'AWS::Region' },
      ...(account === 'this' ? [':', { Ref: 'AWS::AccountId' }, rest] : [`:${rest}`]),
    ],
  ],
});

/** cdk-nag's AwsSolutions findings left unacknowledged in an app, one line each (severity, rule, where). */
export function unacknowledgedFindings(app: App): string[] {
  return new AwsSolutionsChecks(undefined, { verbose: true })
    .validateScope(app)
    .violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

/** A rule's dead-letter queue lets EventBridge send to it for that rule (by its ARN) and no other. */
export function expectDeadLettersFrom(template: Template, ruleArn: unknown): void {
  template.hasResourceProperties('AWS::SQS::QueuePolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Action: 'sqs:SendMessage',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
        }),
      ]),
    },
  });
}
