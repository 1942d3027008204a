/**
 * The shape of the SSM documents Firebreak ships, as plain data. The stack renders each one into an
 * `AWS::SSM::Document` (JSON content); the CDK tests read them back from the template.
 *
 * House rules for every document here:
 * - every parameter has an anchored `allowedPattern` (SSM refuses other values before anything runs);
 * - Command documents (schema 2.2) set `interpolationType: ENV_VAR` on every parameter and read
 *   the value from the environment, always quoted (`"$SSM_<name>"`), never as `{{ name }}` inside a
 *   command, so a value can never become shell syntax;
 * - scripts check their parameters again themselves (defence in depth, and a clear message on SSM
 *   Agents older than 3.3.2746.0, which do not set the `SSM_<name>` variables).
 */

/** Every document the stack ships is named with this prefix; catalog entries naming one must match a shipped document. */
export const SHIPPED_DOCUMENT_PREFIX = 'Firebreak-';

export interface DocumentParameter {
  readonly type: 'String';
  readonly description: string;
  /** Anchored (^...$): SSM checks every value against it. */
  readonly allowedPattern: string;
  readonly default?: string;
  /** Command documents only: the agent passes the value as the environment variable `SSM_<name>`. */
  readonly interpolationType?: 'ENV_VAR';
}

export interface RunShellScriptStep {
  readonly action: 'aws:runShellScript';
  readonly name: string;
  readonly precondition: { readonly StringEquals: readonly ['platformType', 'Linux'] };
  readonly inputs: { readonly timeoutSeconds: string; readonly runCommand: readonly string[] };
}

/** A Run Command document (schema 2.2). */
export interface CommandDocumentContent {
  readonly schemaVersion: '2.2';
  readonly description: string;
  readonly parameters: Readonly<Record<string, DocumentParameter>>;
  readonly mainSteps: readonly RunShellScriptStep[];
}

export interface ExecuteScriptStep {
  readonly name: string;
  readonly action: 'aws:executeScript';
  readonly timeoutSeconds: number;
  readonly onFailure: 'Abort';
  readonly isEnd: boolean;
  readonly inputs: {
    readonly Runtime: 'python3.11';
    readonly Handler: string;
    readonly Script: string;
    readonly InputPayload: Readonly<Record<string, string>>;
  };
  readonly outputs: readonly {
    readonly Name: string;
    readonly Selector: string;
    readonly Type: 'String' | 'StringList' | 'Boolean';
  }[];
}

/** One AWS API call as the automation role (`aws:executeAwsApi`): the inputs are the API's own, `{{ name }}` for parameters. */
export interface ExecuteAwsApiStep {
  readonly name: string;
  readonly action: 'aws:executeAwsApi';
  readonly timeoutSeconds: number;
  readonly onFailure: 'Abort';
  readonly isEnd: boolean;
  readonly inputs: { readonly Service: string; readonly Api: string } & Readonly<Record<string, unknown>>;
}

/** An Automation runbook (schema 0.3). */
export interface AutomationDocumentContent {
  readonly schemaVersion: '0.3';
  readonly description: string;
  readonly assumeRole: '{{ AutomationAssumeRole }}';
  readonly parameters: Readonly<Record<string, DocumentParameter>>;
  readonly mainSteps: readonly (ExecuteScriptStep | ExecuteAwsApiStep)[];
  readonly outputs: readonly string[];
}

export type ShippedDocument =
  | { readonly name: string; readonly documentType: 'Command'; readonly content: CommandDocumentContent }
  | {
      readonly name: string;
      readonly documentType: 'Automation';
      readonly content: AutomationDocumentContent;
      /** The IAM actions its steps call as `AutomationAssumeRole` (checked against the automation role at synth). */
      readonly permissions: readonly string[];
    };

/** What the documents need from the stack (CloudFormation tokens are fine: they resolve at deploy). */
export interface DocumentContext {
  /** The diagnostics bucket (Firebreak-CollectDiagnostics' default `bucketName`). */
  readonly diagnosticsBucketName: string;
  /** The automation role (the runbooks' default `AutomationAssumeRole`). */
  readonly automationRoleArn: string;
  /** The fleet tag key: runbooks refuse instances without it (IAM refuses them too). */
  readonly fleetTagKey: string;
  /** The quarantine security group and its VPC, when the stack created one (`fleet.vpcId`). */
  readonly quarantine?: { readonly groupId: string; readonly vpcId: string };
}

/** The parameters Firebreak itself fills when it starts a runbook: catalog entries never set them. */
export const AUTOMATION_RESERVED_PARAMETERS = ['InstanceId', 'AutomationAssumeRole'] as const;

/** An anchored pattern for the instance ids runbooks act on. */
export const INSTANCE_ID_PATTERN = '^i-[0-9a-f]{8,17}$';
/** An IAM role ARN (any partition). */
export const ROLE_ARN_PATTERN = '^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$';

/** The variable the SSM Agent sets for a Command parameter with `interpolationType: ENV_VAR`. */
export const envName = (parameter: string) => `SSM_${parameter}`;

/** The first lines of every shell script: strict mode, and a clear refusal on agents without ENV_VAR interpolation. */
export function requireEnvLines(parameters: readonly string[]): string[] {
  return [
    'set -eu',
    ...parameters.map(
      (name) =>
        `if [ -z "\${${envName(name)}:-}" ]; then echo "Firebreak: parameter ${name} is missing or empty (this document needs SSM Agent 3.3.2746.0 or later, which passes parameters as SSM_* environment variables)" >&2; exit 2; fi`,
    ),
  ];
}
