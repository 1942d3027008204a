import { parse as parseForm } from 'node:querystring';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AwsEvent, AwsHandler, AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver.js';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { TABLE } from '../adapters/dynamodb/table.ts';
import { deployedDynamo, deployedTable, deployedTableName } from '../adapters/deployed/table.ts';
import { DeployFreezeRepository } from '../adapters/dynamodb/freezes.ts';
import { ConfigurationReviewRepository } from '../adapters/dynamodb/configuration-reviews.ts';
import { deployedSlackSecret } from '../adapters/deployed/slack.ts';
import { logger } from '../adapters/lambda/observability.ts';
import { deployedWorkflow, deployedWorkflowDependencies } from '../compose/workflow.ts';
import { createSlackHandler, type SlackAppDependencies } from './app.ts';
import { isReadOnlyCommand } from '../core/slack/commands.ts';

/**
 * Wraps the Bolt handler: a request whose body was already handled (a Slack retry, or a replay:
 * every body carries its own trigger_id) gets the stored answer and has no second effect, thanks
 * to Powertools idempotency on our table. Keyed on the body, not the signature, because a Slack
 * retry is signed anew. Commands that only read are answered afresh each time.
 */
export function createSlackLambda(options: { bolt: () => Promise<AwsHandler>; dynamo: DynamoDBClient; tableName: string }) {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    keyAttr: TABLE.partitionKey,
    sortKeyAttr: TABLE.sortKey,
    staticPkValue: 'IDEMPOTENCY#slack',
    expiryAttr: TABLE.ttlAttribute,
    awsSdkV3Client: options.dynamo,
  });
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'body', expiresAfterSeconds: 600, throwOnNoIdempotencyKey: false });
  // Refusals (bad signature, stale timestamp) are not stored: a genuine retry must get a fresh hearing.
  const remembered = middy(async (event: AwsEvent, context: Context): Promise<AwsResponse> => {
    const response = await (await options.bolt())(event, context);
    if (response.statusCode >= 400) throw new RefusedRequest(response);
    return response;
  }).use(makeHandlerIdempotent({ persistenceStore, config }));
  return middy(async (event: AwsEvent, context: Context): Promise<AwsResponse> => {
    // A command that only reads has no effect a replay could repeat: it skips idempotency's two writes.
    if (onlyReads(event)) return (await options.bolt())(event, context);
    try {
      return await remembered(event, context);
    } catch (error) {
      if (error instanceof RefusedRequest) return error.response;
      throw error;
    }
  }).use(injectLambdaContext(logger, { resetKeys: true }));
}

/**
 * A `/firebreak` command that only reads, the body decoded as Bolt decodes it (form-encoded, each
 * field once); Bolt still checks its signature and timestamp.
 */
function onlyReads(event: AwsEvent): boolean {
  const contentType = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  if (typeof event.body !== 'string' || contentType !== 'application/x-www-form-urlencoded') return false;
  const form = parseForm(event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('ascii') : event.body);
  const text = form.text ?? '';
  return form.command === '/firebreak' && form.payload === undefined && typeof text === 'string' && isReadOnlyCommand(text);
}

/** Carries Bolt's refusal past the idempotency layer, which forgets requests whose handler throws. */
class RefusedRequest extends Error {
  constructor(readonly response: AwsResponse) {
    super(`refused with HTTP ${response.statusCode}`);
  }
}

/** The deployed function: configuration baked in, credentials from Secrets Manager (cached). */
function deployedHandler() {
  const deps = deployedWorkflowDependencies();
  let bolt: Promise<AwsHandler> | undefined;
  const build = async (): Promise<AwsHandler> => {
    const secret = await deployedSlackSecret();
    const workflow = deployedWorkflow();
    const app: SlackAppDependencies = {
      signingSecret: secret.signingSecret,
      botToken: secret.botToken,
      ...(secret.appId ? { appId: secret.appId } : {}),
      config: deps.config,
      incidents: deps.incidents,
      mitigations: deps.mitigations,
      holds: deps.holds,
      freezes: new DeployFreezeRepository(deployedTable()),
      workflow,
      cancels: { incidents: deps.incidents, mitigations: deps.mitigations, member: (id) => workflow.member(id), now: deps.now },
      ...(deps.config.review.enabled
        ? {
            configurationReviews: {
              reviews: new ConfigurationReviewRepository(deployedTable()),
              config: deps.config,
              now: deps.now,
              roster: () => workflow.roster(),
            },
          }
        : {}),
      onRefused: (reason, details) => logger.warn('slack request refused', { reason, ...details }),
    };
    return createSlackHandler(app);
  };
  return createSlackLambda({ bolt: () => (bolt ??= build()), dynamo: deployedDynamo(), tableName: deployedTableName() });
}

let deployed: ReturnType<typeof createSlackLambda> | undefined;
export const handler = (event: AwsEvent, context: Context) => (deployed ??= deployedHandler())(event, context);
