/**
 * Pins what the core makes of every sample event: open incidents are found again by their
 * fingerprint, so a change to normalizing or classifying (a faster one included) must leave the
 * fingerprint, and the capped signal it is computed from, exactly as they were.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CAPS } from '../../../functions/core/caps.ts';
import { createClassifier, fingerprint } from '../../../functions/core/signals/classify.ts';
import { MONITOR_LIMITS } from '../../../functions/core/signals/monitor-normalizer.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import { exampleConfig, fixture } from '../../support.ts';
import { monitorEvent } from '../helpers.ts';

const config = exampleConfig();
const classify = createClassifier(config);
const normalize = (raw: unknown) => normalizeEvent(raw, { customSources: config.sources.custom }).signals;
const fingerprintsOf = (raw: unknown) => normalize(raw).map((signal) => classify(signal).fingerprint);

/** Deployment and SSM status events are not signals: the deployments and track functions read them. */
const NOT_SIGNALS = /^(cloudformation|codedeploy|codepipeline|ecs|ssm)-/;
const SIGNAL_FIXTURES = readdirSync(new URL('../../fixtures/events/', import.meta.url))
  .filter((name) => name.endsWith('.json') && !NOT_SIGNALS.test(name))
  .sort();

describe('fingerprints of the sample events (computed before the core was made faster)', () => {
  it.each([
    ['cloudwatch-alarm-state-change-alarm.json', 'd49ac8c8f703355b27f62d0e57a984b8'],
    ['cloudwatch-alarm-state-change-firebreak-dlq-derived.json', 'c0c992f4a8224b3c2e3132df1e8ffb63'],
    ['guardduty-finding-ec2-high-wrapped.json', '2c0859da765a85f0668589a3a384e664'],
    ['securityhub-findings-imported-afsbp-critical-wrapped.json', '3536bedbfd8a7f4165a0a401c61dc7ba'],
    ['inspector2-finding-ec2-package-vulnerability-active.json', '5f3d35afa32a9e161f489f84d0fe4816'],
    ['health-ec2-issue.json', '2ac26b423643eca5e1b3f98d29528eef'],
    ['ec2-instance-state-change-terminated.json', 'f2fefb3bf12268371f7e79da243799b8'],
    ['cloudtrail-stop-logging-constructed.json', '86d638978efeac20bed481316e2fd21c'],
    ['signin-console-login-root-constructed.json', 'a874bfe0f9442ad72855dda362a8e844'],
    ['config-rules-compliance-change-noncompliant-constructed.json', 'ac277d5c01e25c1451ee974dfe536f9b'],
  ])('%s keeps fingerprint %s', (name, expected) => {
    expect(fingerprintsOf(fixture(name))).toEqual([expected]);
  });

  it.each([
    ['cloudwatch-alarm-state-change-alarm.json', '6fe2b4c2db1fcd56bbd6b5cc438df62a'],
    ['guardduty-finding-ec2-high-wrapped.json', '768d866eed660e1409ba5b12356cbbea'],
    ['securityhub-findings-imported-afsbp-critical-wrapped.json', 'f462a760f7f1bf7bfe8eb636d2390db1'],
  ])('%s keeps fingerprint %s over every part and an attribute', (name, expected) => {
    const [signal] = normalize(fixture(name));
    expect(fingerprint(signal!, ['source', 'kind', 'subject', 'account', 'region', 'attr:findingType'])).toBe(expected);
  });

  it('every sample signal, its classification and its fingerprint stay as recorded', async () => {
    expect(SIGNAL_FIXTURES.length).toBeGreaterThanOrEqual(31);
    const everything = Object.fromEntries(
      SIGNAL_FIXTURES.map((name) => [
        name,
        normalize(fixture(name)).map((signal) => ({
          signal,
          classification: classify(signal),
          everyPart: fingerprint(signal, ['source', 'kind', 'subject', 'account', 'region', 'attr:findingType']),
        })),
      ]),
    );
    await expect(JSON.stringify(everything, null, 1)).toMatchFileSnapshot('./__golden__/fixture-signals.json');
  });

  it('capped signals and their fingerprints stay as recorded, at and just over each cap', async () => {
    const guardDuty = (instanceId: string, title: string) => {
      const event = structuredClone(fixture('guardduty-finding-ec2-high-wrapped.json')) as unknown as {
        detail: { title: string; resource: { instanceDetails: { instanceId: string } } };
      };
      event.detail.title = title;
      event.detail.resource.instanceDetails.instanceId = instanceId;
      return event;
    };
    const monitor = (resources: number, attributes: number, url: string, envelopeResources: string[] = []) =>
      monitorEvent(
        {
          title: '€'.repeat(MONITOR_LIMITS.title),
          subject: `𝔰${'s'.repeat(MONITOR_LIMITS.subject - 2)}`,
          description: 'd'.repeat(MONITOR_LIMITS.description),
          resources: Array.from({ length: resources }, (_, i) => `i-${String(i).padStart(17, '0')}`),
          // Attribute values at their cap, one byte over, and well over.
          attributes: Object.fromEntries(
            Array.from({ length: attributes }, (_, i) => [
              `a${i}`,
              `v${i}`.padEnd(CAPS.attributeValueBytes + Math.min(i, 2) * 40, 'v'),
            ]),
          ),
          url,
        },
        { resources: envelopeResources },
      );
    const cases = {
      subjectAtCap: guardDuty('i'.repeat(CAPS.subjectBytes), 't'.repeat(CAPS.titleBytes)),
      subjectOverCap: guardDuty('i'.repeat(CAPS.subjectBytes + 1), 't'.repeat(CAPS.titleBytes + 1)),
      subjectOverCapWide: guardDuty('é'.repeat(CAPS.subjectBytes), '€'.repeat(CAPS.titleBytes)),
      monitorAtCaps: monitor(CAPS.firingResources.count, CAPS.attributeCount, `https://example.com/${'p'.repeat(492)}`),
      monitorOverCaps: monitor(CAPS.firingResources.count, CAPS.attributeCount + 1, `https://example.com/${'p'.repeat(493)}`, [
        'i-extra',
      ]),
      // 95 ids of 20 bytes (with DynamoDB's byte per element) and three of 61 pass the list's 2,048 bytes before its count.
      monitorOverBytes: monitor(
        95,
        0,
        'https://example.com/',
        ['a', 'b', 'c'].map((tag) => tag.repeat(60)),
      ),
    };
    const everything = Object.fromEntries(
      Object.entries(cases).map(([name, raw]) => [
        name,
        normalize(raw).map((signal) => ({ signal, fingerprint: classify(signal).fingerprint })),
      ]),
    );
    await expect(JSON.stringify(everything, null, 1)).toMatchFileSnapshot('./__golden__/capped-signals.json');
  });
});
