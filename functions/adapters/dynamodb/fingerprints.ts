import * as z from '../../core/zod.ts';
import { incidentIdFor, type Incident } from '../../core/incidents/incident.ts';
import { keys, type Table } from './table.ts';

/**
 * Where a fingerprint points. Its first incident's id derives from the fingerprint, so that
 * incident's conditional put is the fingerprint's claim; an incident replacing it later (after the
 * reopen window) is pointed at from the first incident (`fingerprintCurrent`). A fingerprint whose
 * first incident predates derived ids keeps its lock item (`FP#<fingerprint>` / `OPEN`).
 */
export const FINGERPRINT_CURRENT = 'fingerprintCurrent';

type Update = {
  Key: Record<string, unknown>;
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
};

/**
 * How a new incident takes its fingerprint over from the one it replaces: the fingerprint's first
 * incident points at it (conditional on pointing at the replaced one), or, for a fingerprint whose
 * first incident predates derived ids, its lock item does.
 */
export async function fingerprintPointer(table: Table, incident: Incident, replaces: string) {
  const firstId = incidentIdFor(incident.fingerprint);
  const first =
    firstId === replaces || (await table.get(keys.incident(firstId), z.looseObject({}))) !== undefined ? firstId : undefined;
  if (!first) {
    const Item = { ...keys.fingerprintLock(incident.fingerprint), type: 'fingerprint-lock', incidentId: incident.id };
    return {
      onFirst: undefined,
      write: {
        Put: { Item, ConditionExpression: 'incidentId = :previous', ExpressionAttributeValues: { ':previous': replaces } },
      },
    };
  }
  return {
    onFirst: first,
    write: {
      Update: {
        Key: keys.incident(first),
        UpdateExpression: 'SET #current = :current',
        ConditionExpression: POINTS_AT_PREVIOUS,
        ExpressionAttributeNames: { '#current': FINGERPRINT_CURRENT, '#id': 'id' },
        ExpressionAttributeValues: { ':current': incident.id, ':previous': replaces },
      },
    },
  };
}

/** The fingerprint's first incident points at the replaced incident: explicitly, or by being it. */
const POINTS_AT_PREVIOUS = '(attribute_not_exists(#current) AND #id = :previous) OR #current = :previous';

/** The closing update of the fingerprint's first incident, which also points the fingerprint at its successor. */
export function withPointer(closes: { Update?: Update }, current: string, previous: string) {
  const update = closes.Update!;
  return {
    Update: {
      ...update,
      UpdateExpression: update.UpdateExpression.replace(/^SET /, 'SET #current = :current, '),
      ConditionExpression: `(${update.ConditionExpression}) AND (${POINTS_AT_PREVIOUS})`,
      ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#current': FINGERPRINT_CURRENT, '#id': 'id' },
      ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':current': current, ':previous': previous },
    },
  };
}
