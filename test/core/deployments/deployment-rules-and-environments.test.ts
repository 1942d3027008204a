/**
 * Which events are deployments (deploymentRules: ids, buses, the published samples each rule takes,
 * nothing ingest takes) and how a deployment event is checked and named an environment
 * (normalizeDeploymentEvent, environmentResolver, the configuration section).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEPLOYMENTS_CONFIG, environmentResolver } from '../../../functions/core/deployments/deployment-environments.ts';
import { DEPLOYMENT_DETAIL_TYPES, deploymentRules } from '../../../functions/core/deployments/deployment-sources.ts';
import { DeploymentsConfigSchema } from '../../../functions/core/config.ts';
import { normalizeDeployment, normalizeDeploymentEvent } from '../../../functions/core/deployments/normalize-deployment.ts';
import { FIREBREAK_SOURCE } from '../../../functions/core/events/bus.ts';
import { ingestRules } from '../../../functions/core/events/ingest-rules.ts';
import { UnsupportedSourceError } from '../../../functions/core/signals/signal.ts';
import { matchesPattern } from '../../../functions/local/pattern-matcher.ts';
import { exampleConfig, fixture } from '../../support.ts';
import type { Json } from '../helpers.ts';
import { customEvent, editable, invalid, DEPLOYMENT_FIXTURES, INGEST_FIXTURES } from './fixtures.ts';

describe('deploymentRules', () => {
  const rules = deploymentRules();
  const byId = Object.fromEntries(rules.map((r) => [r.id, r]));

  it('has unique ids and descriptions; AWS sources on the default bus, the custom event on the firebreak bus', () => {
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const rule of rules) expect(rule.description.length).toBeGreaterThan(0);
    expect(byId.CustomDeployment).toMatchObject({
      bus: 'firebreak',
      pattern: { source: ['firebreak.deploy'], 'detail-type': ['Deployment'] },
    });
    for (const rule of rules.filter((r) => r.id !== 'CustomDeployment')) {
      expect(rule.bus).toBe('default');
      expect((rule.pattern.source as string[])[0]).toMatch(/^aws\./);
    }
  });

  it('routes every published deployment sample to exactly its rule', () => {
    for (const [id, names] of Object.entries(DEPLOYMENT_FIXTURES)) {
      for (const name of names)
        expect(
          rules.filter((r) => matchesPattern(r.pattern, fixture(name))).map((r) => r.id),
          name,
        ).toEqual([id]);
    }
    expect(rules.filter((r) => matchesPattern(r.pattern, customEvent({}))).map((r) => r.id)).toEqual(['CustomDeployment']);
  });

  it('takes none of what ingest takes, and ingest takes none of the deployments', () => {
    for (const name of INGEST_FIXTURES)
      expect(
        rules.filter((r) => matchesPattern(r.pattern, fixture(name))),
        name,
      ).toEqual([]);
    const ingest = ingestRules(exampleConfig());
    for (const name of [...Object.values(DEPLOYMENT_FIXTURES).flat()])
      expect(
        ingest.filter((r) => matchesPattern(r.pattern, fixture(name))),
        name,
      ).toEqual([]);
    expect(ingest.filter((r) => matchesPattern(r.pattern, customEvent({})))).toEqual([]);
  });

  it("never listens to Firebreak's own events or to monitors", () => {
    for (const event of [
      { source: FIREBREAK_SOURCE, 'detail-type': 'Incident Opened', detail: {} },
      { source: FIREBREAK_SOURCE, 'detail-type': 'Deployment', detail: {} },
      { source: 'firebreak.monitor.ci', 'detail-type': 'Deployment', detail: {} },
      { source: 'firebreak.deploy', 'detail-type': 'Monitor Alert', detail: {} },
    ]) {
      expect(
        rules.filter((r) => matchesPattern(r.pattern, event)),
        JSON.stringify(event),
      ).toEqual([]);
    }
  });

  it('leaves out states that are not a result worth a notice', () => {
    const with_ = (name: string, edit: (e: Json) => void) => {
      const event = editable(name);
      edit(event);
      return rules.filter((r) => matchesPattern(r.pattern, event));
    };
    expect(with_('codepipeline-pipeline-execution-failed.json', (e) => (e.detail.state = 'STOPPING'))).toEqual([]);
    expect(with_('codepipeline-pipeline-execution-failed.json', (e) => (e.detail.state = 'STARTED'))).toHaveLength(1);
    expect(with_('codedeploy-deployment-success.json', (e) => (e.detail.state = 'READY'))).toEqual([]);
    expect(with_('codedeploy-deployment-success.json', (e) => (e.detail.state = 'START'))).toHaveLength(1);
    for (const status of [
      'CREATE_IN_PROGRESS',
      'UPDATE_IN_PROGRESS',
      'UPDATE_ROLLBACK_IN_PROGRESS',
      'DELETE_COMPLETE',
      'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
    ]) {
      expect(
        with_('cloudformation-stack-status-change-create-complete.json', (e) => (e.detail['status-details'].status = status)),
        status,
      ).toEqual([]);
    }
    for (const status of [
      'UPDATE_COMPLETE',
      'UPDATE_ROLLBACK_COMPLETE',
      'UPDATE_ROLLBACK_FAILED',
      'ROLLBACK_COMPLETE',
      'CREATE_FAILED',
    ]) {
      expect(
        with_('cloudformation-stack-status-change-create-complete.json', (e) => (e.detail['status-details'].status = status)),
        status,
      ).toHaveLength(1);
    }
    expect(with_('ecs-deployment-completed.json', (e) => (e.detail.eventName = 'SERVICE_DEPLOYMENT_IN_PROGRESS'))).toHaveLength(
      1,
    );
    expect(with_('ecs-deployment-completed.json', (e) => (e.detail.eventName = 'SERVICE_STEADY_STATE'))).toEqual([]);
    expect(DEPLOYMENT_DETAIL_TYPES.custom).toBe('Deployment');
  });
});

describe('normalizeDeploymentEvent and environments', () => {
  it('validates the envelope and its size first', () => {
    expect(invalid(() => normalizeDeploymentEvent({ ...customEvent({}), source: undefined })).field).toBe('source');
    const huge = customEvent({});
    expect(invalid(() => normalizeDeploymentEvent({ ...huge, resources: ['x'.repeat(300 * 1024)] })).field).toBe('(event)');
    expect(normalizeDeploymentEvent(fixture('ecs-deployment-failed.json')).record.service).toBe('servicetest');
  });

  it('refuses a source no deployment rule routes here', () => {
    expect(() => normalizeDeployment(fixture('cloudwatch-alarm-state-change-alarm.json'))).toThrow(UnsupportedSourceError);
  });

  it('builds no console link for a region that is not one', () => {
    const event = editable('codedeploy-deployment-success.json');
    event.region = 'evil.example.com/x#';
    expect(normalizeDeployment(event).link).toBeUndefined();
  });

  it('names environments by the first matching rule on service, group or account, else the default', () => {
    const config = DeploymentsConfigSchema.parse({
      environments: [
        { environment: 'staging', service: '-(staging|stg)$' },
        { environment: 'staging', group: '^staging' },
        { environment: 'dev', accounts: ['222233334444'] },
        { environment: 'production', service: '^payments', accounts: ['123456789012'] },
      ],
      defaultEnvironment: 'production',
    });
    const environmentOf = environmentResolver(config);
    const ctx = { source: 'aws.codedeploy', account: '123456789012', region: 'us-east-1' };
    expect(environmentOf({ ...ctx, service: 'checkout-STAGING' })).toBe('staging');
    expect(environmentOf({ ...ctx, service: 'checkout', group: 'staging-blue' })).toBe('staging');
    expect(environmentOf({ ...ctx, service: 'checkout', account: '222233334444' })).toBe('dev');
    expect(environmentOf({ ...ctx, service: 'checkout' })).toBe('production');
    const ecs = normalizeDeployment(fixture('ecs-deployment-failed.json'), {
      environmentOf: environmentResolver(
        DeploymentsConfigSchema.parse({ environments: [{ environment: 'qa', group: '^default$' }] }),
      ),
    });
    expect(ecs.environment).toBe('qa');
    expect(normalizeDeployment(fixture('ecs-deployment-failed.json')).environment).toBe('production');
  });

  it('passes the context to a custom mapping and refuses a name that is not an environment', () => {
    const seen: unknown[] = [];
    const record = normalizeDeployment(fixture('codedeploy-deployment-success.json'), {
      environmentOf: (context) => {
        seen.push(context);
        return context.group === 'myDeploymentGroup' ? 'blue' : 'production';
      },
    });
    expect(record.environment).toBe('blue');
    expect(seen).toEqual([
      {
        service: 'myApplication',
        group: 'myDeploymentGroup',
        source: 'aws.codedeploy',
        account: '123456789012',
        region: 'us-east-1',
      },
    ]);
    expect(
      invalid(() =>
        normalizeDeployment(fixture('codedeploy-deployment-success.json'), { environmentOf: () => 'Prod <!channel>' }),
      ).field,
    ).toBe('environment');
  });

  it('validates the configuration section', () => {
    expect(DeploymentsConfigSchema.safeParse({ environments: [{ environment: 'staging' }] }).success).toBe(false);
    expect(DeploymentsConfigSchema.safeParse({ environments: [{ environment: 'staging', service: '(' }] }).success).toBe(false);
    expect(DeploymentsConfigSchema.safeParse({ incidentSeverity: { production: 'SEV9' } }).success).toBe(false);
    expect(DeploymentsConfigSchema.safeParse({ holdEnvironments: [] }).success).toBe(false);
    expect(DEFAULT_DEPLOYMENTS_CONFIG).toEqual({
      environments: [],
      defaultEnvironment: 'production',
      incidentSeverity: { production: 'SEV2', staging: 'SEV4' },
    });
    // Spelled out so deployed functions need not bundle the schema: it must stay what the schema's defaults give.
    expect(DEFAULT_DEPLOYMENTS_CONFIG).toEqual(DeploymentsConfigSchema.parse({}));
  });
});
