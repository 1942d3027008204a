import type { SendCommandInput, StartAutomationExecutionInput } from '../../core/mitigations/ssm.ts';

/** What the executor and `/firebreak cancel` need from Systems Manager. */
export interface SsmPort {
  sendCommand(input: SendCommandInput): Promise<string>;
  startAutomation(input: StartAutomationExecutionInput): Promise<string>;
  cancel(run: { kind: 'command' | 'automation'; id: string }): Promise<void>;
}
