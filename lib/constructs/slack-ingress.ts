import { acknowledgeControlTower } from '../policy/control-tower.ts';
import { logsKeyOf } from './logs-key.ts';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { FirebreakConfig } from '../../functions/core/config.ts';
import { FirebreakFunction } from './firebreak-function.ts';
import type { Foundation } from './foundation.ts';

/** The one route Slack calls, for slash commands and interactivity alike. */
export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackIngressProps {
  /** The validated configuration, baked into the slack bundle like ingest's. */
  readonly config: FirebreakConfig;
  /** The table, its key, the firebreak bus (the function emits its decisions there) and the Slack secret. */
  readonly foundation: Foundation;
  /** Stage throttling: requests per second in steady state (default 20). */
  readonly throttleRateLimit?: number;
  /** Stage throttling: burst (default 50). */
  readonly throttleBurstLimit?: number;
}

/**
 * The way in from Slack: the `slack` function (Bolt with `AwsLambdaReceiver`, credentials from the
 * foundation's `firebreak/slack` secret) and an API Gateway HTTP API with one route,
 * `POST /slack/events`, that Slack calls for the slash command and for button clicks.
 *
 * HTTP API rather than a Lambda Function URL: stage throttling and structured access logs come
 * with it, so a flood of forged requests is cut off before it reaches the function (and never
 * needs reserved concurrency, which would take capacity from the account), and every request
 * leaves a line with its id, source IP, status and latency. The function verifies Slack's HMAC
 * signature itself; API Gateway has no authorizer for it (see the APIG4 acknowledgement).
 */
export class SlackIngress extends Construct {
  readonly slackFunction: FirebreakFunction;
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogGroup: logs.LogGroup;
  /** The Request URL to paste into the Slack app (slash command and interactivity). */
  readonly endpointUrl: string;

  constructor(scope: Construct, id: string, props: SlackIngressProps) {
    super(scope, id);
    const { foundation } = props;

    this.slackFunction = new FirebreakFunction(this, 'Slack', {
      entry: 'functions/slack/handler.ts',
      serviceName: 'firebreak-slack',
      description: 'Firebreak slack: verify, authorize and record slash commands and button clicks from Slack',
      settings: props.config,
      // Slack gives up after 3 s, cold start included: more memory is more CPU for the import.
      memorySize: 1024,
      // Slack has long given up by then; a short timeout frees the concurrency a stuck call holds.
      timeout: Duration.seconds(10),
    });
    foundation.grantReadWriteData(this.slackFunction);
    // Verifies requests with the signing secret and answers with the bot token.
    foundation.grantSlackSecret(this.slackFunction);

    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: 'firebreak-slack',
      description: 'Firebreak: requests from Slack (slash command and interactivity)',
      // The default stage is created below, with throttling and access logs.
      createDefaultStage: false,
    });
    const routes = this.api.addRoutes({
      path: SLACK_EVENTS_PATH,
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('SlackEvents', this.slackFunction, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });
    for (const route of routes) {
      // The API may invoke the function only for this route, from this account (confused-deputy guard).
      for (const permission of route.node.findAll().filter((c): c is lambda.CfnPermission => c instanceof lambda.CfnPermission)) {
        permission.sourceAccount = Stack.of(this).account;
        acknowledgeControlTower(permission, {
          lambda_function_public_access_prohibited_check:
            'SourceArn names this API route and SourceAccount this account, but both are CloudFormation references (the stack synthesizes without an account), which the rule accepts only as literal strings.',
        });
      }
      acknowledgeControlTower(route, {
        api_gw_v2_authorization_type_configured_check:
          'Slack cannot send IAM, JWT or Lambda-authorizer credentials: the function verifies every request by its HMAC-SHA256 signature and 5-minute timestamp window, then the team and app ids.',
      });
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Slack cannot send IAM, JWT or Lambda-authorizer credentials: each request is authenticated by its HMAC-SHA256 signature (signing secret, 5-minute timestamp window), verified by Bolt in the function, which also checks the team and app ids.',
      });
    }

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: logsKeyOf(this),
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      description: 'Firebreak Slack ingress, throttled, with access logs',
      throttle: {
        rateLimit: props.throttleRateLimit ?? 20,
        burstLimit: props.throttleBurstLimit ?? 50,
      },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        // Metadata only: request bodies (commands, user ids, response URLs) never reach the access log.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            error: '$context.error.message',
          }),
        ),
      },
    });

    this.endpointUrl = `${this.api.apiEndpoint}${SLACK_EVENTS_PATH}`;
  }
}
