/** The executor on DynamoDB Local: re-verification before SSM (harness: execution-harness.ts; cancel: execution-cancel.test.ts). */
import { beforeEach, describe, expect, it } from 'vitest';
import type { FirebreakConfig } from '../../functions/core/config.ts';
import { planHash, type MitigationRequest } from '../../functions/core/mitigations/mitigation.ts';
import {
  MINUTE,
  config,
  ssmMock,
  start,
  useExecutionHarness,
  rt,
  executor,
  guardDutyIncident,
  requestAsSenior,
  approveAsCto,
  approvedEvent,
  request,
  incidentOf,
  audit,
  tamper,
  summaries,
} from './execution-harness.ts';

useExecutionHarness();

describe('re-verification before SSM: refused, audited, said in the thread', () => {
  beforeEach(async () => {
    await start();
  });

  async function expectRefused(r: MitigationRequest, reason: string, result: { outcome: string; reason?: string }) {
    expect(result).toEqual({ outcome: 'refused', reason });
    await rt().bus.drain();
    expect(ssmMock.calls()).toHaveLength(0);
    expect(await request(r.id)).toMatchObject({ state: 'failed', reason: `refused by the executor: ${reason}` });
    const entries = await audit(r.incidentId);
    expect(entries.filter((a) => a.action === 'mitigation.execution_refused')).toEqual([
      expect.objectContaining({ actor: 'system:execute', data: { requestId: r.id, reason } }),
    ]);
    expect(entries.map((a) => a.action)).not.toContain('mitigation.started');
    expect(
      rt()
        .bus.emitted.filter((e) => e['detail-type'] === 'Mitigation Failed')
        .map((e) => e.detail),
    ).toEqual([{ incidentId: r.incidentId, requestId: r.id, reason }]);
    const incident = await incidentOf(r.incidentId);
    expect(incident.status).toBe('open');
    const [summary, ...more] = summaries(incident, r.id);
    expect(more).toEqual([]);
    expect(summary?.text).toContain(`Reason: refused by the executor: ${reason}`);
    // Not retried into running by a redelivery.
    expect(await executor().onApproved(approvedEvent(r))).toEqual({ outcome: 'already_handled', reason: 'request is failed' });
    expect(ssmMock.calls()).toHaveLength(0);
  }

  it('the stored plan tampered after approval (parameters changed, hash left): plan_changed', async () => {
    const { incident } = await guardDutyIncident();
    const patch = await approveAsCto((await requestAsSenior(incident.id, 'patch-critical')).id);
    await tamper(patch, (r) => ({ ...r, plan: { ...r.plan, parameters: { ...r.plan.parameters, RebootOption: 'NoReboot' } } }));
    expect(planHash((await request(patch.id)).plan)).not.toBe(patch.planHash);

    await expectRefused(patch, 'plan_changed', await executor().onApproved(approvedEvent(patch)));
  });

  it('the stored plan and its hash both replaced after approval: the approved hash in the event no longer matches, plan_changed', async () => {
    const { incident } = await guardDutyIncident();
    const patch = await approveAsCto((await requestAsSenior(incident.id, 'patch-critical')).id);
    await tamper(patch, (r) => {
      const plan = { ...r.plan, targets: { type: 'tags' as const, key: 'firebreak:fleet', values: ['production', 'staging'] } };
      return { ...r, plan, planHash: planHash(plan) };
    });
    await expectRefused(patch, 'plan_changed', await executor().onApproved(approvedEvent(patch)));
  });

  it('the event carrying another plan hash than the one approved: plan_changed', async () => {
    const { isolate } = await guardDutyIncident();
    const approved = await approveAsCto(isolate.id);
    await expectRefused(
      approved,
      'plan_changed',
      await executor().onApproved({ ...approvedEvent(approved), planHash: 'f'.repeat(64) }),
    );
  });

  it('plan, hash and event all replaced consistently: no approval is bound to that plan, unapproved_plan', async () => {
    const { incident } = await guardDutyIncident();
    const patch = await approveAsCto((await requestAsSenior(incident.id, 'patch-critical')).id);
    let forged = '';
    await tamper(patch, (r) => {
      const plan = { ...r.plan, rateControl: { maxConcurrency: '100%', maxErrors: '100%' } };
      forged = planHash(plan);
      return { ...r, plan, planHash: forged };
    });
    await expectRefused(patch, 'unapproved_plan', await executor().onApproved({ ...approvedEvent(patch), planHash: forged }));
  });

  it('an injected parameter value in a stored plan whose hashes and approval all agree: refused by the catalog re-check (invalid_plan)', async () => {
    const { incident } = await guardDutyIncident();
    const restart = await approveAsCto(
      (await requestAsSenior(incident.id, 'restart-service', { serviceName: 'nginx.service' })).id,
    );
    let forged = '';
    await tamper(restart, (r) => {
      const plan = { ...r.plan, parameters: { serviceName: 'nginx.service; rm -rf /' } };
      forged = planHash(plan);
      return { ...r, plan, planHash: forged, approvals: r.approvals.map((a) => ({ ...a, planHash: forged })) };
    });
    await expectRefused(restart, 'invalid_plan', await executor().onApproved({ ...approvedEvent(restart), planHash: forged }));
  });

  it('the approval expired before the event arrived: expired', async () => {
    const { isolate } = await guardDutyIncident();
    const approved = await approveAsCto(isolate.id);
    expect(approved.expiresAt).toBe('2026-11-23T10:00:00.000Z');
    rt().clock.advance(60 * MINUTE);
    await expectRefused(approved, 'expired', await executor().onApproved(approvedEvent(approved)));
  });

  it('the incident was resolved after the approval: incident_resolved, nothing runs', async () => {
    const { incident, isolate } = await guardDutyIncident();
    const approved = await approveAsCto(isolate.id);
    expect(
      (
        await rt().workflow.incidentAction({
          kind: 'resolve',
          incidentId: incident.id,
          userId: 'U0CTO000001',
          note: 'false positive',
        })
      ).ok,
    ).toBe(true);
    expect(await executor().onApproved(approvedEvent(approved))).toEqual({ outcome: 'refused', reason: 'incident_resolved' });
    expect(ssmMock.calls()).toHaveLength(0);
    expect(await request(approved.id)).toMatchObject({ state: 'failed', reason: 'refused by the executor: incident_resolved' });
  });

  it('one second before expiry it still runs', async () => {
    const { isolate } = await guardDutyIncident();
    const approved = await approveAsCto(isolate.id);
    rt().clock.advance(60 * MINUTE - 1000);
    expect((await executor().onApproved(approvedEvent(approved))).outcome).toBe('started');
  });

  it('a catalog entry no longer pre-approved: the policy-approved request is refused (unapproved_plan)', async () => {
    const { diagnostics } = await guardDutyIncident();
    const deployed: FirebreakConfig = {
      ...config,
      mitigations: config.mitigations.map((m) => (m.id === 'collect-diagnostics' ? { ...m, preApproved: false } : m)),
    };
    await expectRefused(
      diagnostics,
      'unapproved_plan',
      await executor({ config: deployed }).onApproved(approvedEvent(diagnostics)),
    );
  });

  it('a catalog entry removed since: catalog_entry_removed', async () => {
    const { diagnostics } = await guardDutyIncident();
    const deployed: FirebreakConfig = {
      ...config,
      mitigations: config.mitigations.filter((m) => m.id !== 'collect-diagnostics'),
    };
    await expectRefused(
      diagnostics,
      'catalog_entry_removed',
      await executor({ config: deployed }).onApproved(approvedEvent(diagnostics)),
    );
  });

  it('a catalog entry whose rate control changed since approval: the plan no longer matches it (catalog_mismatch)', async () => {
    const { incident } = await guardDutyIncident();
    const patch = await approveAsCto((await requestAsSenior(incident.id, 'patch-critical')).id);
    const deployed: FirebreakConfig = {
      ...config,
      mitigations: config.mitigations.map((m) =>
        m.id === 'patch-critical' ? { ...m, rateControl: { maxConcurrency: '5%', maxErrors: '5%' } } : m,
      ),
    };
    await expectRefused(patch, 'catalog_mismatch', await executor({ config: deployed }).onApproved(approvedEvent(patch)));
  });

  it('an unknown request: refused without touching anything', async () => {
    const { incident } = await guardDutyIncident();
    expect(
      await executor().onApproved({ incidentId: incident.id, requestId: 'MIT-0000000000', planHash: 'a'.repeat(64) }),
    ).toEqual({ outcome: 'refused', reason: 'unknown request' });
    expect(ssmMock.calls()).toHaveLength(0);
  });
});
