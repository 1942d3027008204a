import {
  CancelCommandCommand,
  DescribeAutomationExecutionsCommand,
  SendCommandCommand,
  StartAutomationExecutionCommand,
  StopAutomationExecutionCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { AutomationChildrenPage, DescribeAutomationExecutionsInput } from '../core/mitigations/automation-children.ts';
import type { SendCommandInput, StartAutomationExecutionInput } from '../core/mitigations/ssm.ts';

/** The real one: inputs are built (and tested exactly) in the core; this only sends them. */
export class AwsSsmGateway {
  constructor(private readonly client: SSMClient) {}

  async sendCommand(input: SendCommandInput): Promise<string> {
    const out = await this.client.send(new SendCommandCommand(input));
    if (!out.Command?.CommandId) throw new Error('SendCommand returned no command id');
    return out.Command.CommandId;
  }

  async startAutomation(input: StartAutomationExecutionInput): Promise<string> {
    const out = await this.client.send(new StartAutomationExecutionCommand(input));
    if (!out.AutomationExecutionId) throw new Error('StartAutomationExecution returned no execution id');
    return out.AutomationExecutionId;
  }

  async cancel(run: { kind: 'command' | 'automation'; id: string }): Promise<void> {
    if (run.kind === 'command') await this.client.send(new CancelCommandCommand({ CommandId: run.id }));
    else await this.client.send(new StopAutomationExecutionCommand({ AutomationExecutionId: run.id, Type: 'Cancel' }));
  }

  /** One page; the core validates every entry. A run whose targets matched nothing has no children: an empty page. */
  async describeAutomationExecutions(input: DescribeAutomationExecutionsInput): Promise<AutomationChildrenPage> {
    const out = await this.client.send(new DescribeAutomationExecutionsCommand(input));
    return { executions: out.AutomationExecutionMetadataList ?? [], ...(out.NextToken ? { nextToken: out.NextToken } : {}) };
  }
}
