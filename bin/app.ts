import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../lib/config.ts';
import { FirebreakStack } from '../lib/firebreak-stack.ts';
import { ControlTowerChecks } from '../lib/policy/control-tower.ts';

const app = new App();
// `cdk synth -c firebreak:config=path/to/config.json` deploys another configuration.
const configPath = (app.node.tryGetContext('firebreak:config') as string | undefined) ?? DEFAULT_CONFIG_PATH;

try {
  const config = loadConfig(configPath);
  new FirebreakStack(app, 'Firebreak', {
    config,
    description: 'Firebreak: event-driven incident response',
  });
  // cdk-nag 3 is a policy-validation plugin: any unacknowledged finding fails the synth. Acknowledged
  // rules are also written to the template metadata, so reviewers see each reason next to its resource.
  // AWS Control Tower's proactive controls (cfn-guard) are the second opinion, with the same rule:
  // each acknowledgement is on its resource, with its reason, in the template metadata.
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
    new ControlTowerChecks(),
  );
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // The message names the file, each field and why; a stack trace would only bury it.
  console.error(error.message);
  process.exit(1);
}
