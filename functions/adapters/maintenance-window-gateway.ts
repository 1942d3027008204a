import {
  DeregisterTaskFromMaintenanceWindowCommand,
  RegisterTaskWithMaintenanceWindowCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { RegisterTaskInput } from '../core/maintenance/patch-batch.ts';

/** Puts an approved patch batch into its maintenance window, and takes it out once it ran. Inputs are built in the core. */
export class AwsMaintenanceWindowGateway {
  constructor(private readonly client: SSMClient) {}

  async registerPatchTask(input: RegisterTaskInput): Promise<string> {
    const out = await this.client.send(new RegisterTaskWithMaintenanceWindowCommand(input));
    if (!out.WindowTaskId) throw new Error('RegisterTaskWithMaintenanceWindow returned no window task id');
    return out.WindowTaskId;
  }

  /** A registered task runs at every opening: once its batch ran, it must go. */
  async deregisterTask(windowId: string, windowTaskId: string): Promise<void> {
    await this.client.send(new DeregisterTaskFromMaintenanceWindowCommand({ WindowId: windowId, WindowTaskId: windowTaskId }));
  }
}
