import { describe, expect, it } from 'vitest';
import { DeploymentsConfigSchema } from '../../../functions/core/config.ts';
import {
  failedDeploymentClassification,
  incidentForFailedDeployment,
  recoveryForDeployment,
} from '../../../functions/core/deployments/release-incident.ts';
import { buildConfig } from '../helpers.ts';
import { dep } from './fixtures.ts';

describe('incidentForFailedDeployment', () => {
  const failed = dep({
    id: 'DEP-0000000000F1',
    status: 'failed',
    sourceStatus: 'SERVICE_DEPLOYMENT_FAILED',
    reason: 'circuit breaker: task failed to start',
    link: 'https://us-west-2.console.aws.amazon.com/ecs/v2/x',
    resources: ['arn:aws:ecs:us-west-2:111122223333:service/default/checkout'],
  });

  it('opens a SEV2 release incident for a production failure, as a signal ingest can take', () => {
    const incident = incidentForFailedDeployment(failed)!;
    expect(incident).toMatchObject({
      severity: 'SEV2',
      category: 'release',
      subject: 'checkout/production',
      title: 'Deployment of checkout 1.4.2 to production failed',
    });
    expect(incident.resources).toEqual(['arn:aws:ecs:us-west-2:111122223333:service/default/checkout', 'DEP-0000000000F1']);
    expect(incident.signal).toEqual({
      source: 'firebreak.deploy',
      kind: 'deployment-failed',
      subject: 'checkout/production',
      title: 'Deployment of checkout 1.4.2 to production failed',
      description: 'CI reported SERVICE_DEPLOYMENT_FAILED: circuit breaker: task failed to start',
      account: '123456789012',
      region: 'eu-west-1',
      resources: incident.resources,
      severityHint: 'high',
      observedAt: '2026-03-01T09:55:00.000Z',
      state: 'firing',
      attributes: {
        service: 'checkout',
        environment: 'production',
        version: '1.4.2',
        deploymentId: 'DEP-0000000000F1',
        deploymentSource: 'firebreak.deploy',
        sourceStatus: 'SERVICE_DEPLOYMENT_FAILED',
        severity: 'SEV2',
      },
      url: 'https://us-west-2.console.aws.amazon.com/ecs/v2/x',
    });
  });

  it('takes the severity from the environment: staging SEV4, none for environments not listed, configurable', () => {
    expect(incidentForFailedDeployment({ ...failed, environment: 'staging' })).toMatchObject({
      severity: 'SEV4',
      signal: { severityHint: 'low', subject: 'checkout/staging' },
    });
    expect(incidentForFailedDeployment({ ...failed, environment: 'dev' })).toBeUndefined();
    const config = DeploymentsConfigSchema.parse({ incidentSeverity: { production: 'SEV1', dev: 'SEV3' } });
    expect(incidentForFailedDeployment(failed, config)?.severity).toBe('SEV1');
    expect(incidentForFailedDeployment({ ...failed, environment: 'dev' }, config)?.severity).toBe('SEV3');
    expect(incidentForFailedDeployment({ ...failed, environment: 'staging' }, config)).toBeUndefined();
  });

  it('opens nothing for a deployment that did not fail', () => {
    expect(incidentForFailedDeployment(dep())).toBeUndefined();
    expect(incidentForFailedDeployment(dep({ status: 'stopped' }))).toBeUndefined();
    expect(incidentForFailedDeployment(dep({ status: 'started' }))).toBeUndefined();
  });

  it('classifies into the release channel with one fingerprint per service and environment', () => {
    const config = buildConfig([], { channels: { release: 'C0RELEASES1' } });
    const first = failedDeploymentClassification(incidentForFailedDeployment(failed)!, config, ['rollback-checkout']);
    const second = failedDeploymentClassification(
      incidentForFailedDeployment({ ...failed, id: 'DEP-0000000000F2', version: '1.4.3' })!,
      config,
    );
    expect(first).toMatchObject({
      suppressed: false,
      severity: 'SEV2',
      category: 'release',
      channel: 'C0RELEASES1',
      mitigations: ['rollback-checkout'],
    });
    expect(second.fingerprint).toBe(first.fingerprint);
    const staging = failedDeploymentClassification(incidentForFailedDeployment({ ...failed, environment: 'staging' })!, config);
    expect(staging.fingerprint).not.toBe(first.fingerprint);
    expect(failedDeploymentClassification(incidentForFailedDeployment(failed)!, buildConfig([])).channel).toBe('C0INCIDENTS');
  });

  it('recovers the release incident when the service deploys successfully to the same environment', () => {
    const recovery = recoveryForDeployment(dep({ id: 'DEP-0000000000S1', version: '1.4.3' }))!;
    expect(recovery).toMatchObject({
      source: 'firebreak.deploy',
      kind: 'deployment-failed',
      subject: 'checkout/production',
      state: 'recovered',
      resources: [],
    });
    expect(recoveryForDeployment(failed)).toBeUndefined();
    expect(recoveryForDeployment(dep({ environment: 'dev' }))).toBeUndefined();
  });
});
