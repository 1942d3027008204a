/**
 * The custom `Deployment` event a CI pipeline sends: how normalizeDeployment pairs and names its runs,
 * and what DeploymentSchema (what deploy-notice sends) accepts and refuses.
 */
import { describe, expect, it } from 'vitest';
import { DeploymentSchema } from '../../../functions/core/deployments/deploy-notice-schema.ts';
import { normalizeDeployment } from '../../../functions/core/deployments/normalize-deployment.ts';
import { customEvent, invalid } from './fixtures.ts';

describe('normalizeDeployment: custom Deployment events', () => {
  it('pairs started and succeeded of one version into one id, and takes times from the detail when given', () => {
    const started = normalizeDeployment(
      customEvent(
        { status: 'started', commit: 'a1b2c3d', actor: 'alice', url: 'https://ci.example.com/runs/42' },
        { time: '2026-03-01T09:50:00Z' },
      ),
    );
    const succeeded = normalizeDeployment(
      customEvent(
        { status: 'succeeded', startedAt: '2026-03-01T09:50:00Z', finishedAt: '2026-03-01T09:54:30Z' },
        { time: '2026-03-01T09:54:31Z' },
      ),
    );
    expect(succeeded.id).toBe(started.id);
    expect(started).toMatchObject({
      source: 'firebreak.deploy',
      service: 'checkout',
      environment: 'production',
      version: '1.4.2',
      commit: 'a1b2c3d',
      actor: 'alice',
      link: 'https://ci.example.com/runs/42',
      status: 'started',
      startedAt: '2026-03-01T09:50:00.000Z',
    });
    expect(succeeded).toMatchObject({
      status: 'succeeded',
      startedAt: '2026-03-01T09:50:00.000Z',
      finishedAt: '2026-03-01T09:54:30.000Z',
      durationSeconds: 270,
      lastEventAt: '2026-03-01T09:54:30.000Z',
    });
  });

  it('uses the environment it names, not the mapping', () => {
    const record = normalizeDeployment(customEvent({ environment: 'staging' }), { environmentOf: () => 'production' });
    expect(record.environment).toBe('staging');
  });

  it('keeps runs of the same version apart by run id, and environments apart', () => {
    const base = normalizeDeployment(customEvent({}));
    expect(normalizeDeployment(customEvent({ runId: '9001-1' })).id).not.toBe(base.id);
    expect(normalizeDeployment(customEvent({ runId: '9001-2' })).id).not.toBe(
      normalizeDeployment(customEvent({ runId: '9001-1' })).id,
    );
    expect(normalizeDeployment(customEvent({ environment: 'staging' })).id).not.toBe(base.id);
    expect(normalizeDeployment(customEvent({}, { account: '210987654321' })).id).not.toBe(base.id);
    // Another delivery (new event id) of the same run is the same deployment.
    expect(normalizeDeployment(customEvent({}, { id: 'another-delivery' })).id).toBe(base.id);
  });

  it('names the field of a bad detail', () => {
    expect(invalid(() => normalizeDeployment(customEvent({ service: '<!channel>' }))).field).toBe('detail.service');
    expect(invalid(() => normalizeDeployment(customEvent({ status: 'rolled-back' }))).field).toBe('detail.status');
    expect(invalid(() => normalizeDeployment(customEvent({ extra: 1 }))).field).toBe('detail');
  });
});

describe('DeploymentSchema (what deploy-notice sends)', () => {
  const ok = { service: 'checkout', version: '1.4.2', environment: 'production', status: 'succeeded' };
  const problem = (detail: Record<string, unknown>) => {
    const result = DeploymentSchema.safeParse({ ...ok, ...detail });
    return result.success ? undefined : result.error.issues[0]!.path.join('.');
  };

  it('accepts a minimal and a full notice', () => {
    expect(problem({})).toBeUndefined();
    expect(
      problem({
        commit: 'Fix checkout <https://evil.example|click> <!channel>',
        actor: 'alice',
        url: 'https://github.com/acme/shop/actions/runs/1',
        runId: '9001-1',
        startedAt: '2026-03-01T09:50:00+01:00',
        finishedAt: '2026-03-01T08:55:00Z',
      }),
    ).toBeUndefined();
  });

  it('refuses mentions, links, spaces and over-long names in service names', () => {
    for (const service of [
      '<!channel>',
      'checkout<https://evil|x>',
      'check out',
      '@here',
      'a'.repeat(101),
      '',
      'checkout\n',
      'café',
    ])
      expect(problem({ service }), service).toBe('service');
    expect(problem({ service: 'a'.repeat(100) })).toBeUndefined();
    expect(problem({ service: 'shop.checkout_api-v2' })).toBeUndefined();
  });

  it('refuses bad environments, statuses, versions and free text over its bound', () => {
    for (const environment of ['Production', 'prod env', 'a'.repeat(33), '<!here>', ''])
      expect(problem({ environment }), environment).toBe('environment');
    for (const status of ['rolled-back', 'SUCCEEDED', '']) expect(problem({ status }), status).toBe('status');
    expect(problem({ version: 'v'.repeat(101) })).toBe('version');
    expect(problem({ version: '   ' })).toBe('version');
    expect(problem({ commit: 'c'.repeat(201) })).toBe('commit');
    expect(problem({ actor: 'a'.repeat(101) })).toBe('actor');
    expect(problem({ runId: 'run 1' })).toBe('runId');
    expect(problem({ version: '1.0\n<!channel>' })).toBe('version');
    expect(problem({ actor: 'eve\u001b[2J' })).toBe('actor');
    expect(problem({ actor: 'eve\u009b2J' })).toBe('actor');
    // A commit message may span lines; it is shown on one line, escaped.
    expect(problem({ commit: 'Fix checkout\n\nCloses #12' })).toBeUndefined();
  });

  it('takes https links only', () => {
    for (const url of ['http://ci.example.com/1', 'javascript:alert(1)', 'ci.example.com/1', 'ftp://ci.example.com'])
      expect(problem({ url }), url).toBe('url');
  });

  it('takes real ISO times only, in order, and no end for a deployment still running', () => {
    expect(problem({ startedAt: '2022-04-31T17:00:00Z' })).toBe('startedAt');
    expect(problem({ startedAt: 'yesterday' })).toBe('startedAt');
    expect(problem({ startedAt: '2026-03-01T10:00:00Z', finishedAt: '2026-03-01T09:00:00Z' })).toBe('finishedAt');
    expect(problem({ status: 'started', finishedAt: '2026-03-01T09:00:00Z' })).toBe('finishedAt');
  });

  it('refuses unknown fields (a typo in a CI step fails loudly)', () => {
    expect(problem({ enviroment: 'staging' })).toBe('');
  });
});
