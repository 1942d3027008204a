/**
 * The Slack function as Lambda runs it: bundled by esbuild with the house settings (the receivers
 * Bolt's App requires but Firebreak never builds replaced, the SDK's credential chain reduced to the
 * environment) and run in a fresh Node process. Really signed requests must still be verified by
 * Bolt's AwsLambdaReceiver: a good signature is answered, a forged or stale one refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_SLACK, startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import { signedSlackRequest, slashCommandForm } from '../../functions/local/slack-requests.ts';
import { lambdaBuildOptions } from '../../lib/bundling/lambda-bundling.ts';
import { runSlackBundle } from '../../bench/slack-path.ts';
import { exampleConfig } from '../support.ts';

const config = exampleConfig();
const CTO = config.roster.find((m) => m.role === 'cto')!.slackUserId;
let runtime: LocalRuntime;
let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-slack-bundle-'));
  bundle = join(dir, 'index.mjs');
  await build({ ...lambdaBuildOptions(config), entryPoints: ['functions/slack/handler.ts'], outfile: bundle, logLevel: 'error' });
  runtime = await startLocalRuntime({ config, endpoint: inject('dynamoEndpoint'), tableName: `slack-bundle-${process.pid}` });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const list = (signingSecret: string, timestamp?: number) =>
  signedSlackRequest({
    signingSecret,
    ...(timestamp === undefined ? {} : { timestamp }),
    form: slashCommandForm(
      {
        userId: CTO,
        teamId: config.slack.teamId,
        appId: LOCAL_SLACK.appId,
        channelId: config.slack.channels.default,
        responseUrl: runtime.slack.responseUrl('bundle'),
      },
      'list',
    ),
  });

describe('the bundled Slack function', () => {
  it('answers a signed command, and refuses a forged signature and a stale timestamp', async () => {
    const run = await runSlackBundle({
      bundle,
      endpoint: inject('dynamoEndpoint'),
      tableName: runtime.tableName,
      requests: [
        list(LOCAL_SLACK.signingSecret),
        list('not-the-signing-secret'),
        list(LOCAL_SLACK.signingSecret, Math.floor(Date.now() / 1000) - 10 * 60),
      ],
    });
    expect(run.responses.map((r) => r.statusCode)).toEqual([200, 401, 401]);
    expect(run.responses[0]!.body).toMatch(/incident|Nothing/i);
  }, 120_000);
});
