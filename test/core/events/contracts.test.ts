import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIREBREAK_SOURCE } from '../../../functions/core/events/bus.ts';
import { incidentEvent } from '../../../functions/core/events/incident-events.ts';
import { IncidentOpened } from '../../../functions/core/events/incident-opened.ts';
import { MitigationApproved } from '../../../functions/core/events/mitigation-approved.ts';
import { MitigationEscalated } from '../../../functions/core/events/mitigation-escalated.ts';
import { MitigationEscalationDue } from '../../../functions/core/events/mitigation-escalation-due.ts';
import { MitigationExpiryDue } from '../../../functions/core/events/mitigation-expiry-due.ts';
import { ReleaseHoldLifted } from '../../../functions/core/events/release-hold-lifted.ts';
import { SilenceExpiryDue } from '../../../functions/core/events/silence-expiry-due.ts';
import {
  BUS_EVENTS,
  EXECUTE_PATTERN,
  NOTIFY_EVENTS,
  NOTIFY_PATTERN,
  PROPOSE_PATTERN,
} from '../../../functions/core/events/subscriptions.ts';
import type { Incident } from '../../../functions/core/incidents/incident.ts';

const INCIDENT = 'INC-0123456789';
const REQUEST = 'MIT-ABCDEF0123';
const HASH = 'a'.repeat(64);

const incident = {
  id: INCIDENT,
  version: 3,
  status: 'open',
  severity: 'SEV2',
  category: 'security',
  title: 'Backdoor:EC2/DenialOfService.Tcp',
  channel: 'C0SECURITY1',
  fingerprint: 'f'.repeat(64),
  source: 'aws.guardduty',
  account: '123456789012',
  region: 'us-east-1',
  resources: Array.from({ length: 30 }, (_, i) => `i-${String(i).padStart(8, '0')}`),
  signalCount: 4,
  firstSeen: '2026-11-20T10:00:00.000Z',
  lastSeen: '2026-11-20T10:05:00.000Z',
  mitigations: ['isolate-instance'],
} as unknown as Incident;

/** What one-time schedules deliver straight to escalate (no bus rule routes them). */
const SCHEDULED = [MitigationEscalationDue, MitigationExpiryDue, SilenceExpiryDue];

describe('event contracts', () => {
  it('declares each detail-type once, every one on the firebreak source', () => {
    const types = [...BUS_EVENTS, ...SCHEDULED].map((contract) => contract.detailType);
    expect(new Set(types).size).toBe(types.length);
    for (const contract of [...BUS_EVENTS, ...SCHEDULED]) {
      expect(contract.source).toBe(FIREBREAK_SOURCE);
      expect(contract.version).toBe(1);
    }
  });

  it('has one module per event, each declaring exactly one contract', () => {
    const modules = readdirSync(new URL('../../../functions/core/events/', import.meta.url)).filter(
      (file) =>
        /^(incident|mitigation|release|postmortem|deploy-freeze|freeze|work-items|silence|patch-batch|configuration-review|deployment-change)-/.test(
          file,
        ) && !['incident-snapshot.ts', 'incident-events.ts', 'silence-ref.ts'].includes(file),
    );
    expect(modules.length).toBe(BUS_EVENTS.length + SCHEDULED.length);
  });

  it('parses what the builder builds, for the incident snapshot and a request', () => {
    const opened = incidentEvent('opened', incident, ['opened']);
    expect(opened.detailType).toBe('Incident Opened');
    const parsed = IncidentOpened.parse(JSON.parse(JSON.stringify(opened.detail)));
    expect(parsed).toMatchObject({ incidentId: INCIDENT, version: 3, changes: ['opened'], mitigations: ['isolate-instance'] });
    // EventBridge caps the event size: the snapshot carries a bounded resource list.
    expect(parsed.resources).toHaveLength(20);
    const approved = MitigationApproved.build({ incidentId: INCIDENT, requestId: REQUEST, planHash: HASH });
    expect(MitigationApproved.parse(approved.detail)).toEqual({ incidentId: INCIDENT, requestId: REQUEST, planHash: HASH });
  });

  it('maps each ingest outcome to its contract, and marks actors', () => {
    expect(incidentEvent('updated', incident, ['signal']).detailType).toBe('Incident Updated');
    expect(incidentEvent('reopened', incident, ['reopened']).detailType).toBe('Incident Updated');
    expect(incidentEvent('resolved', incident, ['resolved']).detailType).toBe('Incident Resolved');
    expect(incidentEvent('updated', incident, ['acknowledged'], { actor: 'U0CTO000001' }).detail.actor).toBe('U0CTO000001');
    expect(incidentEvent('opened', incident, []).detail).not.toHaveProperty('actor');
  });

  it('refuses what breaks the contract, naming the field (evil payloads)', () => {
    expect(() => MitigationApproved.parse({ incidentId: INCIDENT, requestId: REQUEST, planHash: 'not-a-hash' })).toThrow(
      /planHash/,
    );
    expect(() => MitigationApproved.parse({ incidentId: 'INC-<!channel>', requestId: REQUEST, planHash: HASH })).toThrow(
      /incidentId/,
    );
    expect(() => MitigationEscalated.parse({ incidentId: INCIDENT, requestId: REQUEST, reason: 'cto_bribed' })).toThrow(/reason/);
    expect(() => ReleaseHoldLifted.parse({ service: 'checkout; rm -rf /' })).toThrow(/service/);
    expect(() => IncidentOpened.parse({ incidentId: INCIDENT })).toThrow();
  });

  it('routes with patterns built from the contracts', () => {
    expect(NOTIFY_PATTERN).toEqual({ source: ['firebreak'], 'detail-type': NOTIFY_EVENTS.map((c) => c.detailType) });
    expect(EXECUTE_PATTERN).toEqual({
      source: ['firebreak'],
      'detail-type': ['Mitigation Approved', 'Mitigation Cancel Requested'],
    });
    expect(PROPOSE_PATTERN).toEqual({ source: ['firebreak'], 'detail-type': ['Incident Opened', 'Mitigation Failed'] });
    expect(NOTIFY_PATTERN['detail-type']).not.toContain('Mitigation Approved');
    // Only execute acts on a cancel; notify hears what became of it only when it did not stop the run.
    expect(NOTIFY_PATTERN['detail-type']).not.toContain('Mitigation Cancel Requested');
    expect(NOTIFY_PATTERN['detail-type']).toContain('Mitigation Cancel Failed');
    // Escalation and expiry reach escalate only through their one-time schedules: no bus event can fire them.
    for (const pattern of [NOTIFY_PATTERN, EXECUTE_PATTERN, PROPOSE_PATTERN])
      for (const contract of SCHEDULED) expect(pattern['detail-type']).not.toContain(contract.detailType);
    expect(MitigationExpiryDue.detailType).toBe('Mitigation Expiry Due');
    expect(() => MitigationExpiryDue.parse({ incidentId: INCIDENT, requestId: 'MIT-<!channel>' })).toThrow(/requestId/);
  });
});
