import { describe, expect, it } from 'vitest';
import type { DeploymentRecord } from '../../../functions/core/deployments/deployment-record.ts';
import { parseConfig } from '../../../functions/core/config.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import {
  decidePipelineChange,
  deploymentSearchWindow,
  NEVER_ATTACHED_WATCHES,
  withPipelineContext,
} from '../../../functions/core/signals/pipeline-changes.ts';
import { WatchPipelineSchema, type WatchPipeline } from '../../../functions/core/signals/watch-config.ts';
import type { Signal } from '../../../functions/core/signals/signal.ts';
import { exampleConfig, fixture } from '../../support.ts';

// The pipeline fixture: deploy-pipeline attaches a policy at 09:20:41.
const CHANGE_AT = '2026-03-02T09:20:41Z';
const pipeline: WatchPipeline = WatchPipelineSchema.parse({
  name: 'orders pipeline',
  service: 'orders',
  sessionIssuer: '^arn:aws:iam::123456789012:role/deploy-pipeline$',
});

const signalOf = (name: string, detail: Record<string, unknown> = {}): Signal => {
  const event = fixture(name);
  return normalizeEvent({ ...event, detail: { ...event.detail, ...detail } }).signals[0]!;
};
const pipelineChange = (detail: Record<string, unknown> = {}) =>
  signalOf('cloudtrail-attach-role-policy-pipeline-constructed.json', detail);

const deployment = (overrides: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  id: 'DEP-00000000000A',
  source: 'aws.codepipeline',
  executionId: 'exec-1',
  service: 'orders',
  environment: 'production',
  version: 'v42',
  status: 'started',
  sourceStatus: 'STARTED',
  startedAt: '2026-03-02T09:15:00Z',
  lastEventAt: '2026-03-02T09:15:00Z',
  resources: [],
  account: '123456789012',
  region: 'us-east-1',
  ...overrides,
});
const minutesFrom = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

describe('a deployment pipeline\u2019s change: attach to its deployment or open an incident (pure)', () => {
  it('attaches to the service\u2019s deployment under way', () => {
    const decision = decidePipelineChange(pipelineChange(), [pipeline], [deployment()]);
    expect(decision).toMatchObject({
      kind: 'attach',
      pipeline: { name: 'orders pipeline' },
      deployment: { id: 'DEP-00000000000A' },
    });
  });

  it('opens an incident when no deployment of that service is under way (never dropped)', () => {
    const cases: Array<[string, DeploymentRecord[]]> = [
      ['no deployment at all', []],
      ['another service deploying', [deployment({ service: 'search' })]],
      ['it started after the change (beyond a minute of skew)', [deployment({ startedAt: minutesFrom(CHANGE_AT, 2) })]],
      [
        'it finished before the change, beyond the grace',
        [deployment({ status: 'succeeded', startedAt: '2026-03-02T09:00:00Z', finishedAt: minutesFrom(CHANGE_AT, -6) })],
      ],
      ['never finished, started longer ago than maxDeploymentMinutes', [deployment({ startedAt: minutesFrom(CHANGE_AT, -121) })]],
      ['a record without a start', [deployment({ startedAt: undefined })]],
    ];
    for (const [name, records] of cases)
      expect(decidePipelineChange(pipelineChange(), [pipeline], records), name).toEqual({
        kind: 'open',
        pipeline,
        reason: 'no-deployment',
      });
  });

  it('counts the edges: a minute of clock skew before the start, the grace after the end, the bound on an unfinished one', () => {
    const attach = (records: DeploymentRecord[]) => decidePipelineChange(pipelineChange(), [pipeline], records).kind;
    expect(attach([deployment({ startedAt: minutesFrom(CHANGE_AT, 1) })])).toBe('attach');
    expect(
      attach([deployment({ status: 'succeeded', startedAt: '2026-03-02T09:00:00Z', finishedAt: minutesFrom(CHANGE_AT, -5) })]),
    ).toBe('attach');
    expect(
      attach([deployment({ status: 'failed', startedAt: '2026-03-02T09:00:00Z', finishedAt: minutesFrom(CHANGE_AT, 30) })]),
    ).toBe('attach');
    expect(attach([deployment({ startedAt: minutesFrom(CHANGE_AT, -120) })])).toBe('attach');
    const strict = { ...pipeline, graceMinutes: 0, maxDeploymentMinutes: 10 };
    expect(decidePipelineChange(pipelineChange(), [strict], [deployment({ startedAt: minutesFrom(CHANGE_AT, -11) })]).kind).toBe(
      'open',
    );
  });

  it('picks the latest deployment under way when two overlap', () => {
    const decision = decidePipelineChange(
      pipelineChange(),
      [pipeline],
      [deployment({ id: 'DEP-00000000000A' }), deployment({ id: 'DEP-00000000000B', startedAt: '2026-03-02T09:18:00Z' })],
    );
    expect(decision).toMatchObject({ kind: 'attach', deployment: { id: 'DEP-00000000000B' } });
  });

  it('leaves everyone else\u2019s changes, refused calls, sign-ins and Config to classification', () => {
    const other = signalOf('cloudtrail-authorize-security-group-ingress-world-ssh-constructed.json');
    expect(decidePipelineChange(other, [pipeline], [deployment()])).toEqual({ kind: 'not-pipeline' });
    const refused = pipelineChange({ errorCode: 'AccessDenied', errorMessage: 'no' });
    expect(decidePipelineChange(refused, [pipeline], [deployment()])).toEqual({ kind: 'not-pipeline' });
    for (const name of [
      'signin-console-login-failure-constructed.json',
      'config-rules-compliance-change-noncompliant-constructed.json',
    ])
      expect(decidePipelineChange(signalOf(name), [pipeline], [deployment()]), name).toEqual({ kind: 'not-pipeline' });
    expect(decidePipelineChange(pipelineChange(), [], [deployment()])).toEqual({ kind: 'not-pipeline' });
  });

  it('matches every principal pattern given: the ARN and the session issuer', () => {
    const both = { ...pipeline, principalArn: '/deploy-1234$' };
    expect(decidePipelineChange(pipelineChange(), [both], [deployment()]).kind).toBe('attach');
    const wrongArn = { ...pipeline, principalArn: '/someone-else$' };
    expect(decidePipelineChange(pipelineChange(), [wrongArn], [deployment()]).kind).toBe('not-pipeline');
    const arnOnly = WatchPipelineSchema.parse({ name: 'p', service: 'orders', principalArn: 'assumed-role/deploy-pipeline/' });
    expect(decidePipelineChange(pipelineChange(), [arnOnly], [deployment()]).kind).toBe('attach');
  });

  it('never attaches what no pipeline should do, even during its deployment: every such watch pages', () => {
    const risky = [
      signalOf('cloudtrail-stop-logging-constructed.json'),
      signalOf('cloudtrail-delete-detector-constructed.json'),
      signalOf('cloudtrail-delete-public-access-block-constructed.json'),
      signalOf('cloudtrail-schedule-key-deletion-constructed.json'),
      signalOf('cloudtrail-detach-policy-organizations-constructed.json'),
      signalOf('cloudtrail-disable-security-hub-constructed.json'),
      signalOf('cloudtrail-stop-configuration-recorder-constructed.json'),
      pipelineChange({
        requestParameters: { roleName: 'orders-service', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
      }),
    ];
    const issuer = pipelineChange().attributes.sessionIssuer!;
    for (const signal of risky) {
      const asPipeline = {
        ...signal,
        attributes: { ...signal.attributes, sessionIssuer: issuer },
      };
      expect(NEVER_ATTACHED_WATCHES, signal.attributes.watch).toContain(signal.attributes.watch);
      const decision = decidePipelineChange(
        asPipeline,
        [pipeline],
        [deployment({ startedAt: minutesFrom(signal.observedAt, -1) })],
      );
      expect(decision, signal.attributes.watch).toEqual({ kind: 'open', pipeline, reason: 'never-attached' });
    }
  });

  it('says why an incident opened for a pipeline\u2019s change, first in its description', () => {
    const signal = withPipelineContext(pipelineChange(), { kind: 'open', pipeline, reason: 'no-deployment' });
    expect(signal.attributes).toMatchObject({
      pipeline: 'orders pipeline',
      pipelineContext: 'outside a deployment',
      watch: 'iam.policy-attached',
    });
    expect(signal.description).toMatch(
      /^Made by the deployment pipeline "orders pipeline" while no deployment of orders was under way\. AttachRolePolicy/,
    );
    const never = withPipelineContext(pipelineChange(), { kind: 'open', pipeline, reason: 'never-attached' });
    expect(never.attributes.pipelineContext).toBe('never attached');
  });

  it('reads deployments from the changed account (or the pipeline\u2019s) over the longest a deployment may run', () => {
    const now = new Date('2026-03-02T09:25:00Z');
    expect(deploymentSearchWindow(pipelineChange(), pipeline, now)).toEqual({
      account: '123456789012',
      from: '2026-03-02T07:20:41.000Z',
      to: '2026-03-02T09:25:41.000Z',
    });
    const crossAccount = { ...pipeline, deploymentAccount: '210987654321' };
    expect(deploymentSearchWindow(pipelineChange(), crossAccount, now).account).toBe('210987654321');
  });

  it('is configured under watch.pipelines, validated, with defaults (existing configs stay valid)', () => {
    expect(exampleConfig().watch.pipelines).toEqual([]);
    const raw = JSON.parse(JSON.stringify(exampleConfig()));
    raw.watch.pipelines = [{ name: 'orders pipeline', service: 'orders', sessionIssuer: 'deploy-pipeline$' }];
    expect(parseConfig(raw, 'x').watch.pipelines[0]).toMatchObject({ graceMinutes: 5, maxDeploymentMinutes: 120 });
    for (const bad of [
      { name: 'no principal', service: 'orders' },
      { name: 'bad pattern', service: 'orders', sessionIssuer: '(' },
      { name: 'bad service', service: 'a b', sessionIssuer: 'x' },
      { name: 'typo', service: 'orders', sessionIssuer: 'x', graceMinute: 3 },
    ]) {
      raw.watch.pipelines = [bad];
      expect(() => parseConfig(raw, 'x'), bad.name).toThrow();
    }
  });
});
