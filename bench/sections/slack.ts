/** (d) Signed requests into the real Slack function: warm in this process, then cold in fresh ones importing the bundle. */
import { startDynamoDbLocal } from '../../functions/local/dynamodb-local.ts';
import { startLocalRuntime } from '../../functions/local/runtime.ts';
import { distinctEvents, type SectionInput } from '../bench-kit.ts';
import { bundleFile } from '../cold-start.ts';
import { coldSlackPath, SLACK_MIX, slackRequest, slackTargets, warmSlackPath } from '../slack-path.ts';
import { bundleDeployed } from './bundles.ts';

export async function slackSection({ config, report }: SectionInput, options: { bundled: boolean }): Promise<void> {
  if (!options.bundled) await bundleDeployed('slack', config);
  const database = await startDynamoDbLocal();
  try {
    const runtime = await startLocalRuntime({ config, endpoint: database.endpoint, tableName: 'bench-slack' });
    const targets = await slackTargets(runtime, distinctEvents(20));
    const warm = await warmSlackPath(runtime, targets, 200);
    const cold = await coldSlackPath({
      bundle: bundleFile('slack'),
      endpoint: database.endpoint,
      tableName: runtime.tableName,
      processes: 7,
      request: () => slackRequest(runtime, targets, 'approve (refused)', 0),
    });
    await runtime.stop();
    report.results.slack = { mix: SLACK_MIX, warm, cold: { request: 'approve (refused)', ...cold } };
    report.add({
      measure: `slack: warm, ${warm.requests} signed requests`,
      value: `p50 ${warm.p50} ms, p99 ${warm.p99} ms (mix: ${SLACK_MIX.join(', ')}); the function's own time, DynamoDB Local's in-flight time subtracted: p50 ${warm.own.p50} ms, p99 ${warm.own.p99} ms`,
    });
    report.add({
      measure: 'slack: DynamoDB calls per request, in sequential rounds',
      value: SLACK_MIX.map((kind) => `${kind} ${warm.byKind[kind]!.dynamoCalls} in ${warm.byKind[kind]!.dynamoRounds}`).join(
        ', ',
      ),
    });
    report.add({
      measure: `slack: cold, ${cold.processes} fresh processes`,
      value: `p50 ${cold.p50} ms, max ${cold.max} ms: import of the slack bundle (p50 ${cold.importP50} ms) + one refused approve, of which first-invocation set-up (config, SDK clients, secret, Bolt App) p50 ${cold.firstInvocationSetUpP50} ms, ${cold.firstInvocationSetUpCpuP50} ms of it CPU`,
    });
  } finally {
    await database.stop();
  }
}
