/**
 * The Slack app's front door in the stack: the HTTP API and its one route, the Slack secret and who
 * may read it, the outputs, the app manifest pointing at the same route, and cdk-nag's Slack-specific
 * acknowledgements (harness: stack-harness.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { actionsOf, ROOT, unacknowledgedFindings } from './synth.ts';
import { exampleConfig } from '../support.ts';
import {
  app,
  stack,
  template,
  logicalId,
  ref,
  arnOf,
  props,
  statementsOf,
  allStatementsFor,
  useSynthesizedStack,
} from './stack-harness.ts';

useSynthesizedStack(exampleConfig);

describe('Slack ingress (HTTP API)', () => {
  it('has one HTTP API with the single route POST /slack/events, a Lambda proxy (payload 2.0) to the slack function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    const [route] = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(route!.Properties.RouteKey).toBe('POST /slack/events');
    const [integrationId, integration] = Object.entries(template.findResources('AWS::ApiGatewayV2::Integration'))[0]!;
    expect(route!.Properties.Target).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] });
    expect(integration.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: arnOf(stack.slack.slackFunction),
      PayloadFormatVersion: '2.0',
    });
  });

  it('lets API Gateway invoke the slack function on that route only', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (p) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify(arnOf(stack.slack.slackFunction)),
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
    expect(permissions[0]!.Properties.SourceArn).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':execute-api:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':',
          ref(stack.slack.api),
          '/*/*/slack/events',
        ],
      ],
    });
  });

  it('serves the default stage with throttling (burst 50, 20 requests/s) and auto-deploy', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    expect(props(stack.slack.stage)).toMatchObject({
      ApiId: ref(stack.slack.api),
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 50, ThrottlingRateLimit: 20 },
    });
  });

  it('writes JSON access logs to their own log group, with metadata only (no bodies)', () => {
    const settings = props(stack.slack.stage).AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(settings.DestinationArn).toEqual(arnOf(stack.slack.accessLogGroup));
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLength: '$context.responseLength',
      integrationLatency: '$context.integrationLatency',
    });
    for (const value of Object.values(format)) expect(value).not.toMatch(/body|header|authorizer/i);
    expect(props(stack.slack.accessLogGroup)).toMatchObject({
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] },
    });
  });
});

describe('Slack secret', () => {
  it('is firebreak/slack, encrypted with the store key, created with a generated placeholder only', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const secret = props(stack.foundation.slackSecret);
    expect(secret.Name).toBe('firebreak/slack');
    expect(secret.KmsKeyId).toEqual(arnOf(stack.foundation.key));
    expect(secret.SecretString).toBeUndefined();
    const generate = secret.GenerateSecretString as { SecretStringTemplate: string; GenerateStringKey: string };
    expect(JSON.parse(generate.SecretStringTemplate)).toEqual({ botToken: '', appId: '' });
    expect(generate.GenerateStringKey).toBe('signingSecret');
  });

  it('can be read by slack, notify, deployments, maintenance and review only (the functions that talk to Slack), and by nothing but that secret', () => {
    const readers = allStatementsFor('secretsmanager:GetSecretValue');
    expect(readers.map(({ roles }) => roles).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      [
        stack.slack.slackFunction,
        stack.workflow.notifyFunction,
        stack.deployments.deploymentsFunction,
        stack.patchBatches!.maintenanceFunction,
        stack.review!.reviewFunction,
      ]
        .map((fn) => [ref(fn.executionRole)])
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    for (const { s } of readers) {
      expect(s.Resource).toEqual(ref(stack.foundation.slackSecret));
      expect(actionsOf(s).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    }
    // The slack role reads no other secret, under any action.
    const slackSecretStatements = statementsOf(stack.slack.slackFunction.executionRole).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(slackSecretStatements.map((s) => s.Resource)).toEqual([ref(stack.foundation.slackSecret)]);
  });
});

describe('outputs', () => {
  it('prints the Slack Request URL and the secret name', () => {
    template.hasOutput('SlackRequestUrl', {
      Value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.slack.api), 'ApiEndpoint'] }, '/slack/events']] },
    });
    template.hasOutput('SlackSecretName', { Value: 'firebreak/slack' });
  });
});

describe('Slack app manifest', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'slack-app-manifest.json'), 'utf8')) as {
    features: { slash_commands: Array<{ command: string; url: string; should_escape: boolean }> };
    oauth_config: { scopes: { bot: string[] } };
    settings: {
      interactivity: { is_enabled: boolean; request_url: string };
      socket_mode_enabled: boolean;
      token_rotation_enabled: boolean;
      org_deploy_enabled: boolean;
    };
  };

  it('sends /firebreak and interactivity to the same route the stack serves, with minimal scopes', () => {
    const [command] = manifest.features.slash_commands;
    expect(command).toMatchObject({ command: '/firebreak', should_escape: false });
    expect(command!.url).toBe(manifest.settings.interactivity.request_url);
    expect(new URL(command!.url).pathname).toBe('/slack/events');
    expect(manifest.settings).toMatchObject({
      interactivity: { is_enabled: true },
      socket_mode_enabled: false,
      token_rotation_enabled: false,
      org_deploy_enabled: false,
    });
    expect(manifest.oauth_config.scopes.bot.sort()).toEqual(['channels:manage', 'chat:write', 'commands', 'files:write']);
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('reports no unacknowledged findings', () => {
    expect(unacknowledgedFindings(app)).toEqual([]);
  });

  it('acknowledges the Slack-specific findings where they arise, with their reasons', () => {
    const acknowledged = (construct: IConstruct) =>
      construct.node
        .findAll()
        .flatMap((c) => c.node.metadata)
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.keys(entry.data as Record<string, string>).map((key) => key.replace(/^Annotation::/, '')));
    expect(acknowledged(stack.foundation.slackSecret)).toContain('AwsSolutions-SMG4');
    expect(acknowledged(stack.slack.api)).toContain('AwsSolutions-APIG4');
    for (const fn of [stack.slack.slackFunction, stack.workflow.notifyFunction, stack.workflow.proposeFunction]) {
      expect(acknowledged(fn.executionRole)).toContain(
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/firebreak/*]',
      );
    }
    for (const fn of [stack.workflow.escalateFunction, stack.mitigation.trackFunction])
      expect(acknowledged(fn.executionRole).filter((id) => id.includes('scheduler'))).toEqual([]);
  });
});
