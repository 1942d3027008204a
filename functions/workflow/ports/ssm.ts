import type { AutomationChildrenPage, DescribeAutomationExecutionsInput } from '../../core/mitigations/automation-children.ts';
import type { SendCommandInput, StartAutomationExecutionInput } from '../../core/mitigations/ssm.ts';

/** What the executor, the tracker and `/firebreak cancel` need from Systems Manager. */
export interface SsmPort {
  sendCommand(input: SendCommandInput): Promise<string>;
  startAutomation(input: StartAutomationExecutionInput): Promise<string>;
  cancel(run: { kind: 'command' | 'automation'; id: string }): Promise<void>;
  /** One page of `DescribeAutomationExecutions` (the tracker reads a rate-controlled run's child executions). */
  describeAutomationExecutions(input: DescribeAutomationExecutionsInput): Promise<AutomationChildrenPage>;
}
