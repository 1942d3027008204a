import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { appendAudit, decideIngest, type Incident } from '../../../functions/core/incidents/incident.ts';
import { newMitigationRequest, type MitigationRequest } from '../../../functions/core/mitigations/mitigation.ts';
import type { CommittedDecision, WorkflowChange } from '../../../functions/core/persistence.ts';
import { createRepositories } from '../../../functions/adapters/dynamodb/repositories.ts';
import { Table } from '../../../functions/adapters/dynamodb/table.ts';
import { makeClassification, makeSignal } from '../../core/helpers.ts';
import { exampleConfig, freshTable } from '../../support.ts';

export const NOW = '2026-11-23T09:00:00.000Z';

/** A fresh table with every repository over it, and a way to write raw items (corrupt ones included). */
export async function repositoriesOnFreshTable(prefix: string) {
  const { client, tableName } = await freshTable(prefix);
  const table = new Table(client, tableName);
  return {
    client,
    table,
    ...createRepositories(client, tableName),
    putRaw: (item: Record<string, unknown>) => table.doc.send(new PutCommand({ TableName: tableName, Item: item })),
  };
}

/** What core decides for a first signal of a fingerprint: a new incident with its first audit entries. */
export function openingDecision(fingerprint = 'f'.repeat(32), now = NOW): CommittedDecision {
  const decision = decideIngest({
    current: undefined,
    signal: makeSignal({ observedAt: now }),
    classification: makeClassification({ fingerprint }),
    signalKey: `key-${fingerprint}`,
    eventId: `event-${fingerprint}`,
    now,
    reopenWindowMinutes: 60,
  });
  if (!('incident' in decision)) throw new Error(`expected an opening decision, got ${decision.outcome}`);
  return decision;
}

/** A workflow change of an incident: one more version and one audit entry, with an optional request change. */
export function change(incident: Incident, extra: Pick<WorkflowChange, 'createRequest' | 'updateRequest'> = {}): WorkflowChange {
  const { incident: next, audit } = appendAudit(
    { ...incident, version: incident.version + 1 },
    NOW,
    [{ action: 'test.changed', data: {} }],
    'test',
  );
  return { incident: next, expectedIncidentVersion: incident.version, audit, events: [], ...extra };
}

/** A collect-diagnostics request on the incident, as the workflow would create it. */
export function aRequest(incident: Incident, id = 'MIT-0000000001'): MitigationRequest {
  const config = exampleConfig();
  return newMitigationRequest({
    id,
    entry: config.mitigations.find((m) => m.id === 'collect-diagnostics')!,
    incident,
    parameters: {},
    requestedBy: 'slack:U0RESPOND01',
    now: NOW,
    policy: config.policy,
  });
}
