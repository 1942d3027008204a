import { describe, expect, it } from 'vitest';
import { chainEntry, GENESIS_HASH, type AuditEntry } from '../../../functions/core/audit/chain.ts';
import type { Incident } from '../../../functions/core/incidents/incident.ts';
import { distribution, incidentStats, parseSince, percentile } from '../../../functions/core/metrics/incident-stats.ts';
import { milestoneMetrics } from '../../../functions/core/metrics/milestone-metrics.ts';
import { incidentTimeline } from '../../../functions/core/postmortem/timeline.ts';
import { milestoneMetricsEmitter } from '../../../functions/adapters/lambda/milestone-metrics.ts';

const incident = {
  id: 'INC-0123456789',
  status: 'resolved',
  severity: 'SEV2',
  category: 'security',
  title: 't',
  fingerprint: 'f',
  source: 'aws.guardduty',
  kind: 'finding',
  subject: 's',
  account: '123456789012',
  region: 'eu-west-1',
  channel: 'C0SECURITY1',
  rule: null,
  mitigations: [],
  resources: [],
  firingResources: [],
  firingOverflow: false,
  signalCount: 7,
  reopenCount: 0,
  firstSeen: '2026-11-23T08:59:00.000Z',
  lastSeen: '2026-11-23T09:00:00.000Z',
  lastFiringAt: '2026-11-23T09:00:00.000Z',
  openedAt: '2026-11-23T09:00:00.000Z',
  updatedAt: '2026-11-23T09:00:00.000Z',
  version: 1,
  auditSeq: 0,
  auditHead: GENESIS_HASH,
} satisfies Incident;

function chain(drafts: { at: string; action: string; data?: Record<string, unknown>; incidentId?: string }[]): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const [i, d] of drafts.entries())
    out.push(
      chainEntry({
        incidentId: d.incidentId ?? incident.id,
        seq: i + 1,
        prevHash: out[i - 1]?.hash ?? GENESIS_HASH,
        at: d.at,
        actor: 'slack:U0CTO000001',
        action: d.action,
        data: d.data ?? {},
      }),
    );
  return out;
}

const dims = { Severity: 'SEV2', Category: 'security' };

describe('milestone metrics', () => {
  it('times each milestone from detection, with severity and category', () => {
    const points = milestoneMetrics(
      incident,
      chain([
        { at: '2026-11-23T09:00:00.000Z', action: 'incident.opened' },
        { at: '2026-11-23T09:03:00.000Z', action: 'incident.acknowledged' },
        { at: '2026-11-23T09:10:00.000Z', action: 'mitigation.escalated' },
        { at: '2026-11-23T09:11:00.000Z', action: 'mitigation.approve_refused', data: { refusal: 'self_approval' } },
        { at: '2026-11-23T09:20:00.000Z', action: 'mitigation.approved' },
        { at: '2026-11-23T09:25:00.000Z', action: 'mitigation.failed' },
        { at: '2026-11-23T09:26:00.000Z', action: 'mitigation.succeeded' },
        { at: '2026-11-23T09:27:00.000Z', action: 'mitigation.cancelled' },
        { at: '2026-11-23T09:30:00.000Z', action: 'incident.resolved' },
        { at: '2026-11-23T09:30:00.000Z', action: 'signal.recorded' },
      ]),
    );
    expect(points).toEqual([
      { name: 'IncidentsOpened', unit: 'Count', value: 1, dimensions: dims },
      { name: 'TimeToAcknowledge', unit: 'Milliseconds', value: 180_000, dimensions: dims },
      { name: 'Escalations', unit: 'Count', value: 1, dimensions: dims },
      { name: 'Refusals', unit: 'Count', value: 1, dimensions: { ...dims, Reason: 'self_approval' } },
      { name: 'Approvals', unit: 'Count', value: 1, dimensions: dims },
      { name: 'TimeToApproval', unit: 'Milliseconds', value: 1_200_000, dimensions: dims },
      { name: 'MitigationsFailed', unit: 'Count', value: 1, dimensions: dims },
      { name: 'MitigationsSucceeded', unit: 'Count', value: 1, dimensions: dims },
      { name: 'MitigationsCancelled', unit: 'Count', value: 1, dimensions: dims },
      { name: 'IncidentsResolved', unit: 'Count', value: 1, dimensions: dims },
      { name: 'SignalsPerIncident', unit: 'Count', value: 7, dimensions: dims },
      { name: 'TimeToResolve', unit: 'Milliseconds', value: 1_800_000, dimensions: dims },
    ]);
  });

  it('does not time a reopened incident\u2019s later resolution, folds unknown reasons, ignores other chains', () => {
    const points = milestoneMetrics(
      { ...incident, reopenCount: 1 },
      chain([
        { at: '2026-11-23T10:00:00.000Z', action: 'incident.resolved' },
        { at: '2026-11-23T10:00:00.000Z', action: 'mitigation.reject_refused', data: { refusal: 'Robert"); DROP' } },
        { at: '2026-11-23T10:00:00.000Z', action: 'incident.acknowledged', incidentId: 'INC-9999999999' },
      ]),
    );
    expect(points.map((p) => p.name)).toEqual(['IncidentsResolved', 'SignalsPerIncident', 'Refusals']);
    expect(points[2]!.dimensions.Reason).toBe('other');
  });

  it('is emitted one EMF record per point, and a failing sink never fails the commit', () => {
    const emitted: { dimensions: Record<string, string>; name: string; unit: string; value: number }[] = [];
    const sink = {
      singleMetric: () => {
        let dimensions: Record<string, string> = {};
        return {
          addDimensions: (d: Record<string, string>) => void (dimensions = d),
          addMetric: (name: string, unit: string, value: number) => void emitted.push({ dimensions, name, unit, value }),
        };
      },
    };
    const committed = chain([{ at: '2026-11-23T09:03:00.000Z', action: 'incident.acknowledged' }]);
    milestoneMetricsEmitter(sink as never)(incident, committed);
    expect(emitted).toEqual([{ dimensions: dims, name: 'TimeToAcknowledge', unit: 'Milliseconds', value: 180_000 }]);
    const broken = {
      singleMetric: () => {
        throw new Error('no');
      },
    };
    expect(() => milestoneMetricsEmitter(broken as never)(incident, committed)).not.toThrow();
  });
});

describe('stats', () => {
  it('interpolates percentiles between ranks', () => {
    expect(percentile([1, 2], 0.5)).toBe(1.5);
    expect(percentile([5], 0.9)).toBe(5);
    expect(percentile([10, 1, 4, 3, 2, 9, 8, 7, 6, 5], 0.9)).toBeCloseTo(9.1);
    expect(distribution([])).toEqual({ count: 0 });
  });

  it('reads --since as a duration back or a past date, and refuses anything else', () => {
    const now = '2026-11-30T12:00:00.000Z';
    expect(parseSince('30d', now)).toBe('2026-10-31T12:00:00.000Z');
    expect(parseSince('90m', now)).toBe('2026-11-30T10:30:00.000Z');
    expect(parseSince('2w', now)).toBe('2026-11-16T12:00:00.000Z');
    expect(parseSince('2026-11-01', now)).toBe('2026-11-01T00:00:00.000Z');
    for (const bad of ['0d', '30', 'd', '-3d', '2027-01-01', '2026-13-45', 'yesterday', '1e9d'])
      expect(parseSince(bad, now), bad).toBeUndefined();
  });

  it('groups by severity and category and keeps only incidents opened in the window', () => {
    const sample = (id: string, severity: 'SEV1' | 'SEV2', openedAt: string, ackMinutes: number) => {
      const i = { ...incident, id, severity, openedAt };
      const audit = chain([
        { at: openedAt, action: 'incident.opened', incidentId: id },
        {
          at: new Date(Date.parse(openedAt) + ackMinutes * 60_000).toISOString(),
          action: 'incident.acknowledged',
          incidentId: id,
        },
      ]);
      return { incident: i, timeline: incidentTimeline(i, audit) };
    };
    const stats = incidentStats(
      [
        sample('INC-000000000A', 'SEV1', '2026-11-23T09:00:00.000Z', 1),
        sample('INC-000000000B', 'SEV1', '2026-11-23T10:00:00.000Z', 3),
        sample('INC-000000000C', 'SEV2', '2026-11-23T11:00:00.000Z', 10),
        sample('INC-000000000D', 'SEV2', '2026-11-20T11:00:00.000Z', 99),
      ],
      '2026-11-23T00:00:00.000Z',
      '2026-11-24T00:00:00.000Z',
    );
    expect(stats.total.incidents).toBe(3);
    expect(stats.bySeverity.SEV1!.toAcknowledge).toEqual({ count: 2, median: 120_000, p90: 168_000 });
    expect(stats.bySeverity.SEV2!.toAcknowledge).toEqual({ count: 1, median: 600_000, p90: 600_000 });
    expect(stats.bySeverity.SEV2!.resolved).toBe(0);
    expect(stats.byCategory.security!.incidents).toBe(3);
  });
});
