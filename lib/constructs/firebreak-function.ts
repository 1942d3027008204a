import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { STACK_TAG } from '../../functions/core/platform/platform-alarms.ts';
import {
  BAKED_CONFIG_VARIABLE,
  bakedConfigDefine,
  LAMBDA_ALIASES,
  REQUIRE_BANNER,
  SOURCE_MAP,
} from '../bundling/lambda-bundling.ts';
import { acknowledgeControlTower } from '../policy/control-tower.ts';
import { logsKeyOf } from './logs-key.ts';

/** The repository root: esbuild resolves entries and dependencies from here. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Powertools metrics land in one namespace for every Firebreak function. */
export const METRICS_NAMESPACE = 'Firebreak';

/** The construct metadata entry that names a function's handler file (repository-relative), for tools and tests. */
export const ENTRY_METADATA = 'firebreak:entry';

export interface FirebreakFunctionProps extends Pick<
  NodejsFunctionProps,
  'description' | 'memorySize' | 'timeout' | 'retryAttempts' | 'maxEventAge' | 'reservedConcurrentExecutions'
> {
  /**
   * Where an asynchronous invocation goes once its retries are spent: an SQS on-failure destination
   * (not Lambda's older DeadLetterConfig), because its record names the function (`requestContext.
   * functionArn`) next to the event and the error, so `firebreak dlq redrive` knows where to send
   * it back. A DeadLetterConfig message carries only the event and a request id.
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /** The handler file, absolute or relative to the repository root (e.g. `functions/ingest/handler.ts`). */
  readonly entry: string;
  /** Powertools service name; defaults to `firebreak-<id in kebab case>`. */
  readonly serviceName?: string;
  /** Added to the house environment variables. */
  readonly environment?: Record<string, string>;
  /**
   * The validated runtime configuration, baked into the bundle as `process.env.FIREBREAK_CONFIG`
   * (a JSON string). It is too large for Lambda's 4 KB environment, and baking it in means the code
   * and the config it was tested with are deployed as one immutable artifact.
   */
  readonly settings?: object;
  /** How long the function's logs are kept. */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A Node.js Lambda function with the Firebreak house defaults: Node 22 on ARM, ESM bundle (the
 * settings in lib/bundling/lambda-bundling.ts, shared with the bench) with source maps beside it, its own log group and least-privilege role, X-Ray tracing and Powertools settings.
 *
 * The role only gets write access to the function's own log group (no AWSLambdaBasicExecutionRole,
 * which allows writing to every log group in the account). Grant anything else on `role` as usual.
 */
export class FirebreakFunction extends NodejsFunction {
  /** The function's own role (same as `role`, but never undefined). */
  readonly executionRole: iam.Role;
  readonly serviceName: string;
  /** The handler file, relative to the repository root (`functions/ingest/handler.ts`): where the bundle starts. */
  readonly entry: string;
  /**
   * Variables that never reach the Lambda environment because esbuild replaces their reads in the
   * bundle (`process.env.FIREBREAK_CONFIG`, with `settings`). Code may read them like any other.
   */
  readonly bakedEnvironment: readonly string[];

  constructor(scope: Construct, id: string, props: FirebreakFunctionProps) {
    const serviceName = props.serviceName ?? `firebreak-${kebab(id)}`;
    // The log group and the role must exist before super() wires them into the function, so they
    // are created next to it (ids `<id>Logs`, `<id>Role`) rather than inside it.
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: logsKeyOf(scope),
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the Firebreak ${serviceName} function`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: resolve(REPO_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      onFailure: props.deadLetterQueue ? sendOnlyQueueDestination(props.deadLetterQueue) : undefined,
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      projectRoot: REPO_ROOT,
      depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        // Maps without the sources inlined, not loaded at run time (no --enable-source-maps): loading
        // them costs every cold start (README, "Benchmarks"); they ship beside the code for reading a trace.
        sourceMap: SOURCE_MAP.sourcemap,
        sourcesContent: SOURCE_MAP.sourcesContent,
        // Prefer ESM entry points so esbuild can tree-shake (middy, Powertools, AWS SDK v3).
        mainFields: ['module', 'main'],
        // Packages that never run on Lambda, replaced by small modules (why each is safe: LAMBDA_ALIASES).
        esbuildArgs: Object.fromEntries(Object.entries(LAMBDA_ALIASES).map(([name, path]) => [`--alias:${name}`, path])),
        // Bundle the pinned AWS SDK instead of using the runtime's copy, so Lambda runs exactly the
        // SDK version the tests and drills ran against.
        externalModules: [],
        banner: REQUIRE_BANNER,
        define: props.settings === undefined ? undefined : bakedConfigDefine(props.settings),
      },
    });
    acknowledgeControlTower(this, {
      lambda_inside_vpc_check:
        'Firebreak functions reach only AWS APIs and Slack, and hold no network-reachable resource: a VPC would add NAT gateways or a dozen interface endpoints (cost, cold starts) and no control, since every call is IAM-authorized and TLS.',
    });
    this.executionRole = role;
    this.serviceName = serviceName;
    this.entry = relative(REPO_ROOT, resolve(REPO_ROOT, props.entry)).split('\\').join('/');
    this.bakedEnvironment = props.settings === undefined ? [] : [BAKED_CONFIG_VARIABLE];
    this.node.addMetadata(ENTRY_METADATA, this.entry);
    Tags.of(this).add(STACK_TAG, Stack.of(this).stackName);

    // cdk-nag acknowledgements apply to the construct and its children (the CfnFunction, the policy).
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is pinned on purpose: tests, drills and benchmarks run on the node@22 devDependency, so production runs the runtime that was tested. Upgrade both together.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which do not support resource-level permissions.',
    });
  }
}

/**
 * An SQS on-failure destination granting only `sqs:SendMessage` on the queue (Lambda sends the
 * record with the function's role); CDK's SqsDestination also grants GetQueueAttributes and
 * GetQueueUrl, which delivery does not use.
 */
function sendOnlyQueueDestination(queue: sqs.IQueue): lambda.IDestination {
  return {
    bind: (_scope, fn) => {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
      return { destination: queue.queueArn };
    },
  };
}

function kebab(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .toLowerCase();
}
