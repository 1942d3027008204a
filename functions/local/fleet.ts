import { createHash } from 'node:crypto';
import type { SendCommandInput, StartAutomationExecutionInput } from '../core/mitigations/ssm.ts';
import type { SsmPort } from '../workflow/ports/ssm.ts';

/** How the simulated fleet answers the next runs: how many instances, which fail or time out. */
export interface FleetBehaviour {
  readonly instances: number;
  readonly fail?: number;
  readonly timeOut?: number;
}

export type FleetCall =
  | { readonly api: 'SendCommand'; readonly input: SendCommandInput }
  | { readonly api: 'StartAutomationExecution'; readonly input: StartAutomationExecutionInput }
  | { readonly api: 'Cancel'; readonly input: { kind: string; id: string } };

/**
 * A SIMULATED fleet standing in for Systems Manager in drills, tests and benchmarks: it records
 * every call with its exact input and answers with status events shaped like SSM's own (the
 * published samples in test/fixtures/events/ssm-*.json), which the caller puts on the bus.
 */
export class SimulatedFleet implements SsmPort {
  readonly calls: FleetCall[] = [];
  private behaviour: FleetBehaviour = { instances: 3 };
  private runs = 0;
  private sent = 0;

  constructor(
    private readonly clock: () => Date,
    /** Where the status events go: the local default bus, as SSM publishes them. */
    private readonly emit: (event: object) => void,
    private readonly account = '123456789012',
    private readonly region = 'us-east-1',
  ) {}

  /** Sets how the fleet answers from now on. */
  behave(behaviour: FleetBehaviour): void {
    this.behaviour = behaviour;
  }

  async sendCommand(input: SendCommandInput): Promise<string> {
    this.calls.push({ api: 'SendCommand', input });
    const commandId = this.id('command');
    const instances = this.instancesFor(input.Targets);
    const outcomes = this.outcomes(instances.length);
    for (const [i, instanceId] of instances.entries()) {
      // Each instance reports InProgress, then its outcome.
      for (const status of ['InProgress', outcomes[i]!])
        this.event(
          'EC2 Command Invocation Status-change Notification',
          {
            'command-id': commandId,
            'document-name': input.DocumentName,
            'instance-id': instanceId,
            'requested-date-time': this.now(),
            status,
          },
          [this.instanceArn(instanceId)],
        );
    }
    const overall = outcomes.some((o) => o !== 'Success') ? 'Failed' : 'Success';
    this.event(
      'EC2 Command Status-change Notification',
      {
        'command-id': commandId,
        'document-name': input.DocumentName,
        'expire-after': this.now(),
        parameters: input.Parameters ?? {},
        'requested-date-time': this.now(),
        status: overall,
      },
      instances.slice(0, 10).map((id) => this.instanceArn(id)),
    );
    return commandId;
  }

  async startAutomation(input: StartAutomationExecutionInput): Promise<string> {
    this.calls.push({ api: 'StartAutomationExecution', input });
    const executionId = this.id('automation');
    const failed = (this.behaviour.fail ?? 0) > 0 || (this.behaviour.timeOut ?? 0) > 0;
    this.event(
      'EC2 Automation Execution Status-change Notification',
      {
        ExecutionId: executionId,
        Definition: input.DocumentName,
        DefinitionVersion: 1.0,
        Status: failed ? 'Failed' : 'Success',
        StartTime: this.now(),
        EndTime: this.now(),
        Time: 5753.0,
        ExecutedBy: `arn:aws:iam::${this.account}:role/firebreak-execute`,
      },
      [`arn:aws:ssm:${this.region}:${this.account}:automation-execution/${executionId}`],
    );
    return executionId;
  }

  async cancel(run: { kind: 'command' | 'automation'; id: string }): Promise<void> {
    this.calls.push({ api: 'Cancel', input: run });
  }

  /** Instance ids as SSM would resolve the targets: the named ones, or N simulated tagged ones. */
  private instancesFor(targets: SendCommandInput['Targets']): string[] {
    const named = targets?.find((t) => t.Key === 'InstanceIds')?.Values;
    if (named?.length) return [...named];
    return Array.from(
      { length: this.behaviour.instances },
      (_, i) => `i-${createHash('sha256').update(`${this.runs}:${i}`).digest('hex').slice(0, 17)}`,
    );
  }

  private outcomes(count: number): string[] {
    const fail = Math.min(this.behaviour.fail ?? 0, count);
    const timeOut = Math.min(this.behaviour.timeOut ?? 0, count - fail);
    return Array.from({ length: count }, (_, i) => (i < fail ? 'Failed' : i < fail + timeOut ? 'TimedOut' : 'Success'));
  }

  private id(kind: string): string {
    const hex = createHash('sha256').update(`${kind}:${++this.runs}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  }

  private event(detailType: string, detail: object, resources: string[]): void {
    const id = createHash('sha256').update(`${detailType}:${++this.sent}:${this.runs}`).digest('hex');
    this.emit({
      version: '0',
      id: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`,
      'detail-type': detailType,
      source: 'aws.ssm',
      account: this.account,
      time: this.now(),
      region: this.region,
      resources,
      detail,
    });
  }

  private now(): string {
    return this.clock()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  private instanceArn(instanceId: string): string {
    return `arn:aws:ec2:${this.region}:${this.account}:instance/${instanceId}`;
  }
}
