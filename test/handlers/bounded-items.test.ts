/**
 * Bounded items, end to end on DynamoDB Local: the largest events each schema accepts go through
 * the real handlers (ingest, propose, notify, execute, deployments, slack) on the local runtime,
 * then every item in the table is read back and sized by DynamoDB's rules (attribute names plus
 * values). Before the caps, one valid monitor event (100 resources of 2,048 characters) made a
 * 410 KB incident item that DynamoDB refused, and 1,995-character resources cost 868 write units.
 */
import { ScanCommand, type AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { attributeMapSize, meterDynamo, type AttributeMap } from '../../bench/dynamo-meter.ts';
import { CAPS } from '../../functions/core/caps.ts';
import { MONITOR_LIMITS } from '../../functions/core/signals/monitor-normalizer.ts';
import { MAX_EVENT_BYTES } from '../../functions/core/signals/signal.ts';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.ts';
import { exampleConfig, fixture } from '../support.ts';

/**
 * The bounds asserted, in bytes (item sizes by DynamoDB's rules). Each kind's worst case is computed
 * below from its largest item here: its size plus, for every capped attribute, what the cap would
 * still allow (see `headroom`). Measured on 2026-12-05: the largest incident item 5,601 bytes (worst
 * case 6,088 with the shipped config's rule names), audit entry 2,120 (data capped at 4,096 bytes of
 * canonical JSON, never less than its DynamoDB size for what entries carry: ~4.6 KB at worst),
 * deployment record 2,493 (worst case 4,487). Transactions: at most 22 write units (an incident
 * opened by the largest monitor event), where the same event cost 868 units or was refused before.
 */
const BOUNDS = {
  incident: 6 * 1024,
  auditEntry: 5 * 1024,
  deployment: 5 * 1024,
  /** Any item at all: 4% of DynamoDB's 400 KB. */
  anyItem: 16 * 1024,
  /**
   * The write units of any one transaction (2 per KB per item). The largest is an incident's opening
   * commit: incident (6 KB: 12) + fingerprint lock (2) + `incident.opened` (2) + `signal.recorded`
   * (at most ~3 KB: 6) + processed-event marker (2) + the outbox item announcing it (an incident
   * snapshot with at most 20 capped resources, under 3 KB: 6) = 30.
   */
  transactionUnits: 30,
};

/** The capped attributes of each kind and the most bytes each may take (lists: entries + 3). */
const CAPPED: Record<'incident' | 'deployment', Record<string, number>> = {
  incident: {
    title: CAPS.titleBytes,
    description: CAPS.descriptionBytes,
    url: CAPS.urlBytes,
    subject: CAPS.subjectBytes,
    kind: CAPS.kindBytes,
    source: CAPS.sourceBytes,
    account: CAPS.accountBytes,
    region: CAPS.regionBytes,
    resources: CAPS.incidentResources.bytes + 3,
    firingResources: CAPS.firingResources.bytes + 3,
  },
  deployment: {
    version: CAPS.versionBytes,
    executionId: CAPS.executionIdBytes,
    group: CAPS.groupBytes,
    commit: CAPS.commitBytes,
    commitMessage: CAPS.commitMessageBytes,
    actor: CAPS.actorBytes,
    reason: CAPS.reasonBytes,
    link: CAPS.linkBytes,
    resources: CAPS.deploymentResources.bytes + 3,
  },
};

/** What the caps still allow an item to grow by: for each capped attribute, its cap minus its size (name included when absent). */
function headroom(item: AttributeMap, capped: Record<string, number>): number {
  return Object.entries(capped).reduce((sum, [name, max]) => {
    const present = item[name] ? attributeMapSize({ [name]: item[name] }) - Buffer.byteLength(name) : undefined;
    return sum + (present === undefined ? Buffer.byteLength(name) + max : Math.max(0, max - present));
  }, 0);
}

const CTO = 'U0CTO000001';
const wide = (n: number) => '€'.repeat(n); // 3 bytes in UTF-8, 1 UTF-16 unit: the most bytes per character the schemas count

let runtime: LocalRuntime;
let meter: ReturnType<typeof meterDynamo>;

beforeAll(async () => {
  runtime = await startLocalRuntime({
    config: exampleConfig(),
    start: '2026-11-23T09:00:00.000Z',
    endpoint: inject('dynamoEndpoint'),
    tableName: `bounded-${process.pid}`,
  });
  meter = meterDynamo(runtime.client);
});
afterAll(async () => {
  await runtime?.stop();
});

/** The largest custom monitor event the schema accepts: every field at its maximum, attributes up to 256 KB. */
function largestMonitorEvent(id: string, resourceTag: string) {
  const event = {
    version: '0',
    id: `${id}${'i'.repeat(256 - id.length)}`,
    'detail-type': 'Monitor Alert',
    source: `firebreak.monitor.${'s'.repeat(256 - 'firebreak.monitor.'.length)}`,
    account: '123456789012',
    time: '2026-11-23T09:00:00Z',
    region: 'eu-west-1',
    resources: [] as string[],
    detail: {
      title: wide(MONITOR_LIMITS.title),
      severity: 'critical',
      subject: wide(MONITOR_LIMITS.subject),
      kind: wide(MONITOR_LIMITS.kind),
      description: wide(MONITOR_LIMITS.description),
      resources: Array.from({ length: MONITOR_LIMITS.resources }, (_, i) =>
        `arn:aws:s3:::${resourceTag}-${i}-`.padEnd(MONITOR_LIMITS.resourceLength, 'r'),
      ),
      attributes: {} as Record<string, string>,
      url: `https://monitor.example.com/${'u'.repeat(2_000)}`,
    },
  };
  for (let i = 0; size(event) + 600 < MAX_EVENT_BYTES; i++) event.detail.attributes[`a${i}`] = 'v'.repeat(512);
  expect(size(event)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
  return event;
}

const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** A GuardDuty finding with huge free-text fields, near EventBridge's 256 KB. */
function hugeGuardDutyFinding() {
  const event = structuredClone(fixture('guardduty-finding-ec2-high-wrapped.json')) as unknown as {
    id: string;
    resources: string[];
    detail: Record<string, unknown>;
  };
  event.id = 'huge-guardduty';
  event.detail.title = wide(20_000);
  event.detail.description = wide(40_000);
  event.detail.id = 'f'.repeat(20_000);
  event.resources = Array.from({ length: 20 }, (_, i) => `arn:aws:ec2:us-east-1:123456789012:instance/${i}`.padEnd(2_000, 'x'));
  expect(size(event)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
  return event;
}

/** A Security Hub batch: six findings with huge titles, descriptions and resource lists. */
function hugeSecurityHubBatch() {
  const event = structuredClone(fixture('securityhub-findings-imported-afsbp-critical-wrapped.json')) as unknown as {
    id: string;
    detail: { findings: Array<Record<string, unknown>> };
  };
  const finding = event.detail.findings[0]!;
  event.id = 'huge-securityhub';
  event.detail.findings = Array.from({ length: 6 }, (_, i) => ({
    ...structuredClone(finding),
    Id: `finding-${i}`,
    Title: wide(1_000),
    Description: wide(2_000),
    Resources: Array.from({ length: 25 }, (_, j) => ({ Type: 'Other', Id: `${i}-${j}-`.padEnd(1_000, 'R') })),
    SourceUrl: `https://example.com/${'s'.repeat(CAPS.urlBytes - 20)}`,
  }));
  expect(size(event)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
  return event;
}

/** The largest deploy notice the schema accepts (`firebreak deploy-notice`), failed, so it also opens a release incident and a hold. */
function largestDeployNotice() {
  return {
    version: '0',
    id: 'largest-deploy-notice',
    'detail-type': 'Deployment',
    source: 'firebreak.deploy',
    account: '123456789012',
    time: '2026-11-23T09:05:00Z',
    region: 'eu-west-1',
    resources: Array.from({ length: 40 }, (_, i) => `arn:aws:ecs:eu-west-1:123456789012:service/${i}`.padEnd(3_000, 'e')),
    detail: {
      service: 'checkout'.padEnd(100, 'c'),
      version: wide(100),
      environment: 'production',
      status: 'failed',
      commit: wide(200),
      actor: wide(100),
      url: `https://ci.example.com/${'u'.repeat(1_950)}`,
      runId: 'r'.repeat(128),
    },
  };
}

/** A failed CodePipeline execution with a huge commit message, author and resource list. */
function hugePipelineFailure() {
  const event = structuredClone(fixture('codepipeline-pipeline-execution-failed.json')) as unknown as {
    id: string;
    resources: string[];
    detail: Record<string, unknown>;
  };
  event.id = 'huge-pipeline';
  event.detail['execution-trigger'] = {
    'commit-id': 'c'.repeat(10_000),
    'commit-message': wide(30_000),
    'author-display-name': wide(10_000),
  };
  event.resources = Array.from({ length: 30 }, (_, i) => `arn:aws:codepipeline:us-east-1:123456789012:${i}`.padEnd(3_000, 'p'));
  expect(size(event)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
  return event;
}

/** Every item in the table, raw (as DynamoDB stores it), with its size by DynamoDB's rules. */
async function allItems(): Promise<Array<{ key: string; bytes: number; item: AttributeMap }>> {
  const items: Array<{ key: string; bytes: number; item: AttributeMap }> = [];
  let start: Record<string, SdkAttributeValue> | undefined;
  do {
    const page = await runtime.client.send(
      new ScanCommand({ TableName: runtime.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? [])
      items.push({
        key: `${item.pk?.S} ${item.sk?.S}`,
        bytes: attributeMapSize(item as AttributeMap),
        item: item as AttributeMap,
      });
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Delivers an event and returns the write units of each transaction it caused. */
async function deliverMetered(bus: 'default' | 'firebreak', event: unknown): Promise<number[]> {
  const before = meter.transactions.length;
  runtime.bus.put(bus, event);
  await runtime.bus.drain();
  expect(runtime.bus.deadLetters.map((d) => `${d.rule}: ${d.error?.message}`)).toEqual([]);
  return meter.transactions.slice(before);
}

describe('no valid input makes an item near 400 KB', () => {
  it('the largest monitor event, twice (new resources on the repeat), commits a small incident for few write units', async () => {
    const opened = await deliverMetered('firebreak', largestMonitorEvent('largest-1-', 'first'));
    const repeated = await deliverMetered('firebreak', largestMonitorEvent('largest-2-', 'second'));
    expect(Math.max(...opened, ...repeated)).toBeLessThanOrEqual(BOUNDS.transactionUnits);
    const [incident] = await runtime.repositories.incidents.listIncidents(['open']);
    expect(incident).toMatchObject({ signalCount: 2, firingOverflow: true });
    expect(incident!.title).toMatch(/… \[truncated \d+ chars\]$/);
    expect(incident!.resourcesOmitted).toBeGreaterThan(0);
    expect(incident!.url).toBeUndefined();
  });

  it('a GuardDuty finding and a Security Hub batch with huge fields, and a long note from Slack', async () => {
    const guardDuty = await deliverMetered('default', hugeGuardDutyFinding());
    const securityHub = await deliverMetered('default', hugeSecurityHubBatch());
    expect(Math.max(...guardDuty, ...securityHub)).toBeLessThanOrEqual(BOUNDS.transactionUnits);
    const [incident] = (await runtime.repositories.incidents.listIncidents(['open'])).filter((i) => i.source === 'aws.guardduty');
    const response = await runtime.command(CTO, `resolve ${incident!.id} ${wide(400)}`);
    expect(response.statusCode).toBe(200);
    const audit = await runtime.repositories.incidents.getAudit(incident!.id);
    expect(audit.at(-1)).toMatchObject({ action: 'incident.resolved', data: { note: expect.stringMatching(/… \[truncated/) } });
  });

  it('the largest deploy notice and a CodePipeline failure with huge fields', async () => {
    const notice = await deliverMetered('firebreak', largestDeployNotice());
    const pipeline = await deliverMetered('default', hugePipelineFailure());
    expect(Math.max(...notice, ...pipeline)).toBeLessThanOrEqual(BOUNDS.transactionUnits);
    expect(await runtime.repositories.holds.getHold('checkout'.padEnd(100, 'c'))).toMatchObject({ held: true });
  });

  it('every item the table holds afterwards is within its bound', async () => {
    const items = await allItems();
    const kinds = {
      incident: items.filter((i) => /^INC#\S+ META$/.test(i.key)),
      auditEntry: items.filter((i) => /^(INC|HOLD)#\S+ AUD#/.test(i.key)),
      deployment: items.filter((i) => /^DEP#/.test(i.key)),
    };
    expect(kinds.incident.length).toBeGreaterThanOrEqual(9); // monitor, GuardDuty, 6 Security Hub, 2 release incidents
    expect(kinds.deployment.length).toBe(2);
    for (const [kind, list] of Object.entries(kinds))
      for (const item of list) expect(item.bytes, `${kind} ${item.key}`).toBeLessThanOrEqual(BOUNDS[kind as keyof typeof kinds]);
    for (const item of items) expect(item.bytes, item.key).toBeLessThanOrEqual(BOUNDS.anyItem);
    // The worst case the caps allow, from the largest item of each capped kind.
    for (const kind of ['incident', 'deployment'] as const) {
      const largest = kinds[kind].reduce((a, b) => (b.bytes > a.bytes ? b : a));
      const worst = largest.bytes + headroom(largest.item, CAPPED[kind]);
      expect(worst, `${kind} worst case`).toBeLessThanOrEqual(BOUNDS[kind]);
    }
  });
});
