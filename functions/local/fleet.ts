import { createHash } from 'node:crypto';
import type {
  AutomationChildrenPage,
  AutomationExecutionSummary,
  DescribeAutomationExecutionsInput,
} from '../core/mitigations/automation-children.ts';
import type { SendCommandInput, StartAutomationExecutionInput } from '../core/mitigations/ssm.ts';
import type { SsmPort } from '../workflow/ports/ssm.ts';

/** How the simulated fleet answers the next runs: how many instances, which fail or time out. */
export interface FleetBehaviour {
  readonly instances: number;
  readonly fail?: number;
  readonly timeOut?: number;
  /** Runs stay in progress (every instance has reported InProgress) until cancelled, so a drill can cancel one. */
  readonly hold?: boolean;
}

export type FleetCall =
  | { readonly api: 'SendCommand'; readonly input: SendCommandInput }
  | { readonly api: 'StartAutomationExecution'; readonly input: StartAutomationExecutionInput }
  | { readonly api: 'Cancel'; readonly input: { kind: string; id: string }; readonly document?: string }
  | { readonly api: 'DescribeAutomationExecutions'; readonly input: DescribeAutomationExecutionsInput };

/** A child execution as DescribeAutomationExecutions lists it (the fields SSM returns for one, abridged). */
interface ChildExecution extends AutomationExecutionSummary {
  readonly AutomationExecutionId: string;
  readonly ParentAutomationExecutionId: string;
  readonly DocumentName: string;
  readonly DocumentVersion: string;
  readonly Mode: 'Auto';
  readonly AutomationType: 'Local';
  readonly ExecutedBy: string;
  readonly ExecutionStartTime: Date;
  readonly ExecutionEndTime: Date;
  readonly Targets: [];
  readonly ResolvedTargets: { ParameterValues: []; Truncated: false };
}

/**
 * A SIMULATED fleet standing in for Systems Manager in drills, tests and benchmarks: it records
 * every call with its exact input and answers with status events shaped like SSM's own (the
 * published samples in test/fixtures/events/ssm-*.json), which the caller puts on the bus. A run
 * ends at once, unless the fleet is told to hold runs: then it stays in progress until cancelled.
 */
export class SimulatedFleet implements SsmPort {
  readonly calls: FleetCall[] = [];
  private behaviour: FleetBehaviour = { instances: 3 };
  /** The child executions of each automation run, by parent execution id. */
  private readonly children = new Map<string, ChildExecution[]>();
  /** The document each run started, by run id. */
  private readonly documents = new Map<string, string>();
  /** Runs held in progress, by run id: what Systems Manager publishes when one is cancelled. */
  private readonly held = new Map<string, () => void>();
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
    this.documents.set(commandId, input.DocumentName);
    const instances = this.instancesFor(input.Targets);
    const invocation = (instanceId: string, status: string) =>
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
    const command = (status: string) =>
      this.event(
        'EC2 Command Status-change Notification',
        {
          'command-id': commandId,
          'document-name': input.DocumentName,
          'expire-after': this.now(),
          parameters: input.Parameters ?? {},
          'requested-date-time': this.now(),
          status,
        },
        instances.slice(0, 10).map((id) => this.instanceArn(id)),
      );
    // Each instance reports InProgress, then its outcome; a held run's instances end Cancelled when it is cancelled.
    if (this.behaviour.hold) {
      for (const instanceId of instances) invocation(instanceId, 'InProgress');
      this.held.set(commandId, () => {
        for (const instanceId of instances) invocation(instanceId, 'Cancelled');
        command('Cancelled');
      });
      return commandId;
    }
    const outcomes = this.outcomes(instances.length);
    for (const [i, instanceId] of instances.entries())
      for (const status of ['InProgress', outcomes[i]!]) invocation(instanceId, status);
    command(outcomes.some((o) => o !== 'Success') ? 'Failed' : 'Success');
    return commandId;
  }

  /**
   * As Automation runs a rate-controlled execution: the parent starts, one child execution per
   * target runs (each with its own id and status events, which name no parent and no target), and
   * the parent ends Failed if any child did not succeed. DescribeAutomationExecutions then lists
   * the children, each with its `Target`.
   */
  async startAutomation(input: StartAutomationExecutionInput): Promise<string> {
    this.calls.push({ api: 'StartAutomationExecution', input });
    if (!input.Targets) return this.simpleAutomation(input);
    const parentId = this.id('automation');
    this.documents.set(parentId, input.DocumentName);
    const instances = this.instancesFor(input.Targets, 'ParameterValues');
    const started = this.clock();
    this.automationEvent(parentId, input, 'InProgress', started);
    const outcomes = this.behaviour.hold ? undefined : this.outcomes(instances.length);
    const childIds: string[] = [];
    for (let i = 0; i < instances.length; i++) {
      const childId = this.id('automation-child');
      childIds.push(childId);
      this.automationEvent(childId, input, 'InProgress', started);
      if (outcomes) this.automationEvent(childId, input, outcomes[i]!, started);
    }
    const list = (statuses: readonly string[]) =>
      this.children.set(parentId, this.childExecutions(parentId, input, instances, childIds, statuses, started));
    if (!outcomes) {
      // Held: the children stay InProgress until the run is cancelled.
      list(instances.map(() => 'InProgress'));
      this.held.set(parentId, () => {
        for (const childId of childIds) this.automationEvent(childId, input, 'Cancelled', started);
        list(instances.map(() => 'Cancelled'));
        this.automationEvent(parentId, input, 'Cancelled', started);
      });
      return parentId;
    }
    list(outcomes);
    this.automationEvent(parentId, input, outcomes.some((o) => o !== 'Success') ? 'Failed' : 'Success', started);
    return parentId;
  }

  /** The children of a rate-controlled run as DescribeAutomationExecutions lists them. */
  private childExecutions(
    parentId: string,
    input: StartAutomationExecutionInput,
    instances: readonly string[],
    childIds: readonly string[],
    statuses: readonly string[],
    started: Date,
  ): ChildExecution[] {
    return instances.map((instanceId, i) => ({
      AutomationExecutionId: childIds[i]!,
      ParentAutomationExecutionId: parentId,
      AutomationExecutionStatus: statuses[i]!,
      DocumentName: input.DocumentName,
      DocumentVersion: '1',
      Mode: 'Auto',
      AutomationType: 'Local',
      ExecutedBy: this.executedBy(),
      ExecutionStartTime: started,
      ExecutionEndTime: this.clock(),
      Target: instanceId,
      Targets: [],
      ResolvedTargets: { ParameterValues: [], Truncated: false },
    }));
  }

  /**
   * A runbook acting on a resource its parameters name (no Targets): one execution, no children;
   * it fails when the fleet is told to fail any.
   */
  private simpleAutomation(input: StartAutomationExecutionInput): string {
    const executionId = this.id('automation');
    this.documents.set(executionId, input.DocumentName);
    const started = this.clock();
    this.automationEvent(executionId, input, 'InProgress', started);
    if (this.behaviour.hold) this.held.set(executionId, () => this.automationEvent(executionId, input, 'Cancelled', started));
    else this.automationEvent(executionId, input, this.outcomes(1)[0]!, started);
    return executionId;
  }

  /**
   * Answers as SSM does for the one filter Firebreak uses (`ParentExecutionId`): at most
   * `MaxResults` (1 to 50) children per page and an opaque `NextToken` for the rest. Any other
   * filter, page size or token is refused, as a ValidationException would be.
   */
  async describeAutomationExecutions(input: DescribeAutomationExecutionsInput): Promise<AutomationChildrenPage> {
    this.calls.push({ api: 'DescribeAutomationExecutions', input });
    const [filter, ...others] = input.Filters;
    if (!filter || others.length || filter.Key !== 'ParentExecutionId' || filter.Values.length !== 1)
      throw new Error('the simulated fleet answers DescribeAutomationExecutions for one ParentExecutionId filter only');
    if (!Number.isInteger(input.MaxResults) || input.MaxResults < 1 || input.MaxResults > 50)
      throw new Error(`ValidationException: MaxResults ${input.MaxResults} is not between 1 and 50`);
    const parentId = filter.Values[0]!;
    const offset = input.NextToken === undefined ? 0 : this.offsetOf(input.NextToken, parentId);
    const all = this.children.get(parentId) ?? [];
    const executions = all.slice(offset, offset + input.MaxResults);
    const next = offset + executions.length;
    return {
      executions,
      ...(next < all.length ? { nextToken: Buffer.from(`${parentId}|${next}`).toString('base64') } : {}),
    };
  }

  /** CancelCommand or StopAutomationExecution: a held run ends Cancelled; one that already ended is left as it is. */
  async cancel(run: { kind: 'command' | 'automation'; id: string }): Promise<void> {
    const document = this.documents.get(run.id);
    this.calls.push({ api: 'Cancel', input: run, ...(document ? { document } : {}) });
    const cancelled = this.held.get(run.id);
    this.held.delete(run.id);
    cancelled?.();
  }

  /** Instance ids as SSM would resolve the targets: the named ones, or N simulated tagged ones. */
  private instancesFor(
    targets: SendCommandInput['Targets'],
    namedKey: 'InstanceIds' | 'ParameterValues' = 'InstanceIds',
  ): string[] {
    const named = targets?.find((t) => t.Key === namedKey)?.Values;
    if (named?.length) return [...named];
    return Array.from(
      { length: this.behaviour.instances },
      (_, i) => `i-${createHash('sha256').update(`${this.runs}:${i}`).digest('hex').slice(0, 17)}`,
    );
  }

  private offsetOf(token: string, parentId: string): number {
    const [parent, offset] = Buffer.from(token, 'base64').toString('utf8').split('|');
    const n = Number(offset);
    if (parent !== parentId || !Number.isInteger(n) || n < 0)
      throw new Error('InvalidNextToken: the token was not issued for this query');
    return n;
  }

  /** "EC2 Automation Execution Status-change Notification", shaped like the published sample. */
  private automationEvent(executionId: string, input: StartAutomationExecutionInput, status: string, started: Date): void {
    const ended = status !== 'InProgress';
    this.event(
      'EC2 Automation Execution Status-change Notification',
      {
        ExecutionId: executionId,
        Definition: input.DocumentName,
        DefinitionVersion: 1.0,
        Status: status,
        StartTime: consoleTime(started),
        ...(ended ? { EndTime: consoleTime(this.clock()) } : {}),
        Time: ended ? Math.max(0, this.clock().getTime() - started.getTime()) : 0,
        ExecutedBy: this.executedBy(),
      },
      [
        `arn:aws:ssm:${this.region}:${this.account}:automation-execution/${executionId}`,
        `arn:aws:ssm:${this.region}:${this.account}:automation-definition/${input.DocumentName}:1`,
      ],
    );
  }

  private executedBy(): string {
    return `arn:aws:iam::${this.account}:role/firebreak-execute`;
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

/** The time format of SSM's automation events: `Nov 29, 2016 7:43:20 PM` (UTC). */
function consoleTime(date: Date): string {
  return date
    .toLocaleString('en-US', {
      timeZone: 'UTC',
      month: 'short',
      day: 'numeric',
      year: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      second: '2-digit',
      hour12: true,
    })
    .replace(/(\d{4}),/, '$1');
}
