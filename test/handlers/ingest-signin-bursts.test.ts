import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUCKET_CAP } from '../../functions/core/signals/signin-bursts.ts';
import { exampleConfig, fixture, withNewId } from '../support.ts';
import { ingestHarness, type IngestHarness } from '../support/ingest-harness.ts';

const config = exampleConfig(); // watch.signinFailures defaults: 5 within 10 minutes
const eventBridge = mockClient(EventBridgeClient);
let harness: IngestHarness;

beforeAll(async () => (harness = await ingestHarness('ingest-signin', config)));
afterAll(() => harness.close());
beforeEach(() => {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
});

/** A failed console sign-in for `userName` from `ip` at `eventTime`. */
function failure(userName: string, ip: string, eventTime: string) {
  const event = withNewId(fixture('signin-console-login-failure-constructed.json'));
  return {
    ...event,
    time: eventTime,
    detail: {
      ...event.detail,
      eventTime,
      eventID: event.id,
      sourceIPAddress: ip,
      userIdentity: { ...(event.detail.userIdentity as Record<string, unknown>), userName },
    },
  };
}
const at = (base: string, minutes: number) => new Date(Date.parse(base) + minutes * 60_000).toISOString();
const outcomeOf = async (event: unknown) => (await harness.ingest(event)).outcomes[0]!;

describe('ingest: bursts of failed console sign-ins (DynamoDB Local)', () => {
  it('brute force on one user: four failures are counted, the fifth within 10 minutes opens one incident, later ones update it', async () => {
    const base = '2026-03-02T08:00:00Z';
    const events = [0, 2, 4, 6, 8, 9].map((m, i) => failure('bob', `192.0.2.${10 + i}`, at(base, m)));
    for (const event of events.slice(0, 4)) expect(await outcomeOf(event)).toMatchObject({ outcome: 'counted' });
    // A redelivery of a counted failure does not count twice.
    expect(await outcomeOf(events[3])).toMatchObject({
      outcome: 'counted',
      reason: expect.stringContaining('4 for its user name'),
    });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    const fifth = await outcomeOf(events[4]);
    expect(fifth).toMatchObject({ outcome: 'opened', severity: 'SEV3', category: 'security' });
    const incident = await harness.store.getIncident(fifth.incidentId!);
    expect(incident).toMatchObject({
      title: 'Failed console sign-ins: 5 for bob within 10 minutes',
      subject: 'signin.failed|user#bob',
    });
    expect(await outcomeOf(events[5])).toMatchObject({ outcome: 'updated', incidentId: fifth.incidentId });
  });

  it('password spraying from one IP across users opens one incident for that IP', async () => {
    const base = '2026-03-02T10:00:00Z';
    const outcomes = [];
    for (const [i, name] of ['carol', 'dave', 'erin', 'frank', 'grace'].entries())
      outcomes.push(await outcomeOf(failure(name, '203.0.113.66', at(base, i))));
    expect(outcomes.map((o) => o.outcome)).toEqual(['counted', 'counted', 'counted', 'counted', 'opened']);
    const incident = await harness.store.getIncident(outcomes[4]!.incidentId!);
    expect(incident).toMatchObject({ title: 'Failed console sign-ins: 5 from 203.0.113.66 within 10 minutes' });
  });

  it('failures spread wider than the window never page', async () => {
    const base = '2026-03-02T12:00:00Z';
    for (const m of [0, 4, 8, 12, 16, 20, 24])
      expect(await outcomeOf(failure('heidi', '198.51.100.7', at(base, m)))).toMatchObject({ outcome: 'counted' });
  });

  it('counts shared across concurrent deliveries: seven at once from one IP on one user open exactly one incident, by user', async () => {
    const base = '2026-03-02T14:00:00Z';
    const results = await Promise.all(
      [0, 1, 2, 3, 4, 5, 6].map((s) => outcomeOf(failure('ivan', '198.51.100.99', at(base, s / 60)))),
    );
    expect(results.filter((r) => r.outcome === 'opened')).toHaveLength(1);
    expect(new Set(results.filter((r) => r.incidentId).map((r) => r.incidentId)).size).toBe(1);
    const incident = await harness.store.getIncident(results.find((r) => r.outcome === 'opened')!.incidentId!);
    expect(incident!.subject).toBe('signin.failed|user#ivan');
  });

  it('abuse: a flood stops being stored past the minute\u2019s cap, and still pages once', async () => {
    const { signinFailures } = harness.repositories;
    for (let i = 0; i < BUCKET_CAP; i++)
      expect(await signinFailures.countFailure('ip#flood', '2026-03-02T16:00', `s${i}`, 2e9)).toBe(true);
    expect(await signinFailures.countFailure('ip#flood', '2026-03-02T16:00', 'one-more', 2e9)).toBe(false);
    expect(await signinFailures.countFailure('ip#flood', '2026-03-02T16:00', 's0', 2e9)).toBe(false);
    expect(await signinFailures.failuresBetween('ip#flood', '2026-03-02T15:51', '2026-03-02T16:00')).toBe(BUCKET_CAP);
    expect(await signinFailures.failuresBetween('ip#flood', '2026-03-02T16:01', '2026-03-02T16:10')).toBe(0);
  });
});
