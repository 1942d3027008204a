import { describe, expect, it } from 'vitest';
import { verifyChain, type AuditEntry } from '../../../functions/core/audit/chain.ts';
import { acknowledge, changeSeverity, resolveByHand } from '../../../functions/core/incidents/actions.ts';
import { decideIngest, type Incident, type IncidentStatus } from '../../../functions/core/incidents/incident.ts';
import { makeClassification, makeSignal } from '../helpers.ts';

const NOW = '2026-03-01T10:05:00.000Z';
const USER = 'U0RESPOND01';

/** An incident as ingest opens it, with its first audit entries. */
function opened(): { incident: Incident; audit: AuditEntry[] } {
  const decision = decideIngest({
    current: undefined,
    signal: makeSignal(),
    classification: makeClassification({ severity: 'SEV2' }),
    signalKey: 'evt-1#x#0',
    eventId: 'evt-1',
    now: '2026-03-01T10:00:00.000Z',
    reopenWindowMinutes: 60,
  });
  if (decision.outcome !== 'opened') throw new Error('expected an opened incident');
  return { incident: decision.incident, audit: [...decision.audit] };
}

const withStatus = (status: IncidentStatus): Incident => ({ ...opened().incident, status });

describe('acknowledge', () => {
  it('marks an open incident acknowledged, one version on, with its audit entry chained to the incident', () => {
    const { incident, audit } = opened();
    const result = acknowledge(incident, USER, NOW);
    if (!result.ok) throw new Error(result.message);
    expect(result).toMatchObject({
      expectedVersion: incident.version,
      change: 'acknowledged',
      message: `${incident.id} acknowledged by <@${USER}>.`,
    });
    expect(result.incident).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: USER,
      updatedAt: NOW,
      version: incident.version + 1,
      auditSeq: incident.auditSeq + 1,
    });
    expect(result.audit).toEqual([
      expect.objectContaining({
        incidentId: incident.id,
        seq: incident.auditSeq + 1,
        at: NOW,
        actor: `slack:${USER}`,
        action: 'incident.acknowledged',
        data: {},
        prevHash: incident.auditHead,
      }),
    ]);
    expect(result.incident.auditHead).toBe(result.audit[0]!.hash);
    expect(verifyChain([...audit, ...result.audit], { seq: result.incident.auditSeq, hash: result.incident.auditHead })).toEqual({
      valid: true,
      length: audit.length + 1,
    });
  });

  it.each(['acknowledged', 'mitigating', 'resolved', 'closed'] as const)('refuses an incident that is %s', (status) => {
    const incident = withStatus(status);
    expect(acknowledge(incident, USER, NOW)).toEqual({
      ok: false,
      message: `${incident.id} is ${status}; only an open incident can be acknowledged.`,
    });
  });
});

describe('resolveByHand', () => {
  it.each(['open', 'acknowledged', 'mitigating'] as const)(
    'resolves an incident that is %s, keeping the note in the audit',
    (status) => {
      const incident = withStatus(status);
      const result = resolveByHand(incident, USER, '<!channel> rebuilt the host', NOW);
      if (!result.ok) throw new Error(result.message);
      expect(result.change).toBe('resolved');
      expect(result.message).toBe(`${incident.id} resolved by <@${USER}>.`);
      expect(result.incident).toMatchObject({
        status: 'resolved',
        resolvedAt: NOW,
        resolvedBy: USER,
        firingResources: [],
        firingOverflow: false,
        version: incident.version + 1,
      });
      expect(result.audit).toEqual([
        expect.objectContaining({
          action: 'incident.resolved',
          actor: `slack:${USER}`,
          data: { note: '<!channel> rebuilt the host', by: USER },
        }),
      ]);
    },
  );

  it('clears an overflowing firing set too', () => {
    const result = resolveByHand({ ...opened().incident, firingOverflow: true }, USER, '', NOW);
    expect(result.ok && result.incident.firingOverflow).toBe(false);
  });

  it.each(['resolved', 'closed'] as const)('refuses an incident that is already %s', (status) => {
    const incident = withStatus(status);
    expect(resolveByHand(incident, USER, '', NOW)).toEqual({ ok: false, message: `${incident.id} is already ${status}.` });
  });
});

describe('changeSeverity', () => {
  it('sets any severity, up or down, audited with from and to', () => {
    const { incident } = opened();
    for (const severity of ['SEV1', 'SEV3', 'SEV4'] as const) {
      const result = changeSeverity(incident, USER, severity, NOW);
      if (!result.ok) throw new Error(result.message);
      expect(result).toMatchObject({
        change: 'severity_changed',
        message: `${incident.id} is now ${severity} (was SEV2), set by <@${USER}>.`,
      });
      expect(result.incident).toMatchObject({ severity, version: incident.version + 1, status: 'open' });
      expect(result.audit).toEqual([
        expect.objectContaining({
          action: 'incident.severity_changed',
          actor: `slack:${USER}`,
          data: { from: 'SEV2', to: severity },
        }),
      ]);
    }
  });

  it('refuses the severity it already has, and a closed incident', () => {
    const { incident } = opened();
    expect(changeSeverity(incident, USER, 'SEV2', NOW)).toEqual({ ok: false, message: `${incident.id} is already SEV2.` });
    expect(changeSeverity(withStatus('closed'), USER, 'SEV1', NOW)).toEqual({ ok: false, message: `${incident.id} is closed.` });
    expect(changeSeverity(withStatus('resolved'), USER, 'SEV1', NOW).ok).toBe(true);
  });
});

it('incident actions are pure: the incident they are given is not changed', () => {
  const { incident } = opened();
  const frozen = structuredClone(incident);
  acknowledge(incident, USER, NOW);
  resolveByHand(incident, USER, 'x', NOW);
  changeSeverity(incident, USER, 'SEV1', NOW);
  expect(incident).toEqual(frozen);
});
