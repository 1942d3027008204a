import { describe, expect, it } from 'vitest';
import { appendToChain, capAuditData, verifyChain } from '../../../functions/core/audit/chain.ts';
import { CAPS, capIdentifier, capLink, capList, capText, utf8Bytes } from '../../../functions/core/caps.ts';
import { holdAfterFailure } from '../../../functions/core/deployments/release-hold.ts';
import { incidentForFailedDeployment } from '../../../functions/core/deployments/release-incident.ts';
import { normalizeDeploymentEvent } from '../../../functions/core/deployments/normalize-deployment.ts';
import { createClassifier } from '../../../functions/core/signals/classify.ts';
import { MONITOR_LIMITS } from '../../../functions/core/signals/monitor-normalizer.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import type { Signal } from '../../../functions/core/signals/signal.ts';
import { exampleConfig, fixture } from '../../support.ts';
import { monitorEvent } from '../helpers.ts';

/** A lone UTF-16 surrogate: what cutting through a surrogate pair would leave behind. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const listBytes = (list: readonly string[]) => list.reduce((sum, item) => sum + utf8Bytes(item) + 1, 0);

const onlySignal = (raw: unknown): Signal => {
  const { signals } = normalizeEvent(raw);
  expect(signals).toHaveLength(1);
  return signals[0]!;
};

describe('capText', () => {
  it('returns a string within its cap unchanged', () => {
    const text = 'x'.repeat(300);
    expect(capText(text, 300)).toBe(text);
  });

  it('keeps the longest prefix that fits with a marker saying how many characters were cut', () => {
    const capped = capText('a'.repeat(2_000), 300);
    expect(utf8Bytes(capped)).toBeLessThanOrEqual(300);
    expect(capped).toMatch(/^a+… \[truncated 1,7\d\d chars\]$/);
    const kept = capped.indexOf('…');
    expect(capped).toBe(`${'a'.repeat(kept)}… [truncated ${(2_000 - kept).toLocaleString('en-US')} chars]`);
    // Nothing is wasted: one more character would not fit.
    expect(utf8Bytes(`${'a'.repeat(kept + 1)}… [truncated ${(2_000 - kept - 1).toLocaleString('en-US')} chars]`)).toBeGreaterThan(
      300,
    );
  });

  it('counts bytes, not characters: three-byte characters fill the cap three times as fast', () => {
    const capped = capText('€'.repeat(300), 300);
    expect(utf8Bytes(capped)).toBeLessThanOrEqual(300);
    expect(capped).toMatch(/^€{91}… \[truncated 209 chars\]$/);
  });

  it('never splits a surrogate pair, wherever the cut falls', () => {
    for (let offset = 0; offset < 4; offset++) {
      const text = `${'a'.repeat(offset)}${'😀'.repeat(200)}`;
      const capped = capText(text, 100);
      expect(utf8Bytes(capped)).toBeLessThanOrEqual(100);
      expect(capped).not.toMatch(LONE_SURROGATE);
      expect(capped.startsWith(`${'a'.repeat(offset)}😀`)).toBe(true);
    }
  });

  it('is deterministic and idempotent: capping a capped string changes nothing', () => {
    const text = 'incident text '.repeat(500);
    expect(capText(text, CAPS.descriptionBytes)).toBe(capText(text, CAPS.descriptionBytes));
    const once = capText(text, CAPS.descriptionBytes);
    expect(capText(once, CAPS.descriptionBytes)).toBe(once);
  });

  it('refuses a cap too small to hold its own marker', () => {
    expect(() => capText('x'.repeat(100), 10)).toThrow(RangeError);
  });
});

describe('capIdentifier', () => {
  it('keeps identifiers that differ only after the cap apart, with a digest of the whole value', () => {
    const prefix = `arn:aws:s3:::bucket/${'k'.repeat(400)}`;
    const a = capIdentifier(`${prefix}-a`, CAPS.resourceIdBytes);
    const b = capIdentifier(`${prefix}-b`, CAPS.resourceIdBytes);
    expect(a).not.toBe(b);
    expect(a).toMatch(/… \[truncated \d+ chars #[0-9a-f]{16}\]$/);
    expect(utf8Bytes(a)).toBeLessThanOrEqual(CAPS.resourceIdBytes);
    expect(capIdentifier(`${prefix}-a`, CAPS.resourceIdBytes)).toBe(a);
    expect(capIdentifier(a, CAPS.resourceIdBytes)).toBe(a);
  });
});

describe('capList', () => {
  it('keeps the first entries within the count and the bytes (1 per element added), and counts the rest', () => {
    expect(capList(['a', 'b', 'c'], { count: 2, bytes: 100 })).toEqual({ kept: ['a', 'b'], omitted: 1 });
    // 'aaaa' + 1 = 5 bytes each: two fit in 10, the third does not.
    expect(capList(['aaaa', 'bbbb', 'cccc'], { count: 10, bytes: 10 })).toEqual({ kept: ['aaaa', 'bbbb'], omitted: 1 });
  });

  it('keeps a prefix: a small entry after one that does not fit is left out too', () => {
    expect(capList(['aaaa', 'x'.repeat(50), 'b'], { count: 10, bytes: 20 })).toEqual({ kept: ['aaaa'], omitted: 2 });
  });
});

describe('capLink', () => {
  it('drops a link over its cap rather than cutting it', () => {
    expect(capLink('https://example.com/a', CAPS.urlBytes)).toBe('https://example.com/a');
    expect(capLink(`https://example.com/${'a'.repeat(600)}`, CAPS.urlBytes)).toBeUndefined();
    expect(capLink(undefined, CAPS.urlBytes)).toBeUndefined();
  });
});

describe('signals are capped when normalized', () => {
  /** The largest detail the monitor schema accepts, in three-byte characters where it allows any. */
  function largestMonitorDetail(tag = '') {
    const wide = (n: number) => '€'.repeat(n);
    return {
      title: wide(MONITOR_LIMITS.title),
      severity: 'critical',
      subject: `${wide(MONITOR_LIMITS.subject - tag.length)}${tag}`,
      kind: wide(MONITOR_LIMITS.kind),
      description: wide(MONITOR_LIMITS.description),
      resources: Array.from({ length: MONITOR_LIMITS.resources }, (_, i) =>
        `${String(i).padStart(3, '0')}${'r'.repeat(MONITOR_LIMITS.resourceLength - 3)}`.slice(0, MONITOR_LIMITS.resourceLength),
      ),
      attributes: Object.fromEntries(
        Array.from({ length: 60 }, (_, i) => [`attr${i}`, 'v'.repeat(MONITOR_LIMITS.attributeValue)]),
      ),
      url: `https://example.com/${'p'.repeat(3_000)}`,
    };
  }

  it('caps every field of the largest custom monitor event, with visible markers', () => {
    const s = onlySignal(monitorEvent(largestMonitorDetail()));
    expect(utf8Bytes(s.title)).toBeLessThanOrEqual(CAPS.titleBytes);
    expect(s.title).toMatch(/^€+… \[truncated \d+ chars\]$/);
    expect(utf8Bytes(s.description!)).toBeLessThanOrEqual(CAPS.descriptionBytes);
    expect(s.description).toMatch(/… \[truncated 1,\d{3} chars\]$/);
    expect(utf8Bytes(s.subject)).toBeLessThanOrEqual(CAPS.subjectBytes);
    expect(utf8Bytes(s.kind)).toBeLessThanOrEqual(CAPS.kindBytes);
    for (const r of s.resources) expect(utf8Bytes(r)).toBeLessThanOrEqual(CAPS.resourceIdBytes);
    expect(listBytes(s.resources)).toBeLessThanOrEqual(CAPS.firingResources.bytes);
    expect(s.resources.length + s.resourcesOmitted!).toBe(MONITOR_LIMITS.resources);
    expect(Object.keys(s.attributes)).toHaveLength(CAPS.attributeCount);
    for (const value of Object.values(s.attributes)) expect(utf8Bytes(value)).toBeLessThanOrEqual(CAPS.attributeValueBytes);
    expect(s.url).toBeUndefined();
  });

  it('gives the same signal and fingerprint for the same event, and different ones for subjects differing after the cap', () => {
    const classify = createClassifier(exampleConfig());
    const a = onlySignal(monitorEvent(largestMonitorDetail('a')));
    const again = onlySignal(monitorEvent(largestMonitorDetail('a')));
    const b = onlySignal(monitorEvent(largestMonitorDetail('b')));
    expect(again).toEqual(a);
    expect(classify(again).fingerprint).toBe(classify(a).fingerprint);
    // The subjects share their kept prefix; only the digest in the marker tells them apart.
    expect(a.subject.slice(0, 60)).toBe(b.subject.slice(0, 60));
    expect(classify(b).fingerprint).not.toBe(classify(a).fingerprint);
  });

  it('caps a GuardDuty finding with huge fields and drops the console link its huge id would make', () => {
    const event = structuredClone(fixture('guardduty-finding-ec2-high-wrapped.json')) as unknown as {
      detail: Record<string, unknown>;
    };
    event.detail.title = `Huge ${'t'.repeat(50_000)}`;
    event.detail.description = 'd'.repeat(100_000);
    event.detail.id = 'f'.repeat(10_000);
    event.detail.type = `Backdoor:EC2/${'x'.repeat(5_000)}`;
    const s = onlySignal(event);
    expect(s.title).toMatch(/^Huge t+… \[truncated 49,\d{3} chars\]$/);
    expect(utf8Bytes(s.title)).toBeLessThanOrEqual(CAPS.titleBytes);
    expect(utf8Bytes(s.description!)).toBeLessThanOrEqual(CAPS.descriptionBytes);
    expect(utf8Bytes(s.kind)).toBeLessThanOrEqual(CAPS.kindBytes);
    expect(utf8Bytes(s.attributes.findingId!)).toBeLessThanOrEqual(CAPS.attributeValueBytes);
    expect(s.url).toBeUndefined();
  });

  it('caps each of a Security Hub batch of findings with huge fields', () => {
    const event = structuredClone(fixture('securityhub-findings-imported-afsbp-critical-wrapped.json')) as unknown as {
      detail: { findings: Array<Record<string, unknown>> };
    };
    const finding = event.detail.findings[0]!;
    finding.Title = 'T'.repeat(3_000);
    finding.Description = 'D'.repeat(3_000);
    finding.Resources = Array.from({ length: 20 }, (_, i) => ({ Type: 'Other', Id: `${i}:${'R'.repeat(1_000)}` }));
    // Six such findings stay within EventBridge's 256 KB.
    event.detail.findings = Array.from({ length: 6 }, (_, i) => ({ ...structuredClone(finding), Id: `finding-${i}` }));
    const { signals } = normalizeEvent(event);
    expect(signals).toHaveLength(6);
    for (const s of signals) {
      expect(utf8Bytes(s.title)).toBeLessThanOrEqual(CAPS.titleBytes);
      expect(utf8Bytes(s.description!)).toBeLessThanOrEqual(CAPS.descriptionBytes);
      expect(utf8Bytes(s.subject)).toBeLessThanOrEqual(CAPS.subjectBytes);
      expect(listBytes(s.resources)).toBeLessThanOrEqual(CAPS.firingResources.bytes);
      expect(s.resources.length + s.resourcesOmitted!).toBe(20);
    }
  });
});

describe('audit data is capped when an entry is made', () => {
  it('cuts long strings and lists with markers, in a deterministic order', () => {
    const data = {
      note: 'n'.repeat(5_000),
      ids: Array.from({ length: 50 }, (_, i) => `id-${i}`),
      nested: { deep: 'x'.repeat(900) },
    };
    const capped = capAuditData(data);
    expect(utf8Bytes(capped.note as string)).toBeLessThanOrEqual(CAPS.auditStringBytes);
    expect(capped.note).toMatch(/… \[truncated 4,\d{3} chars\]$/);
    expect(capped.ids).toEqual([...data.ids.slice(0, CAPS.auditListCount), '… 30 more']);
    expect((capped.nested as { deep: string }).deep).toMatch(/… \[truncated \d+ chars\]$/);
    expect(capAuditData(data)).toEqual(capped);
  });

  it('keeps the first keys in canonical order and says how many more there were', () => {
    const data = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${String(i).padStart(2, '0')}`, i]));
    const capped = capAuditData(data);
    expect(Object.keys(capped)).toHaveLength(CAPS.auditKeyCount + 1);
    expect(capped.k00).toBe(0);
    expect(capped.k39).toBeUndefined();
    expect(capped['…']).toBe('… 8 more');
  });

  it('replaces data still over the total cap by its size and digest', () => {
    const data = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v'.repeat(400)]));
    const capped = capAuditData(data);
    expect(capped).toEqual({
      omitted: expect.stringMatching(/^data of \d+ bytes is over the 4096-byte cap/),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(capAuditData(data)).toEqual(capped);
  });

  it('chains capped entries that still verify', () => {
    const audit = appendToChain(
      'HOLD#checkout',
      undefined,
      [{ action: 'release.held', data: { version: 'v'.repeat(10_000) } }],
      'system:deployments',
      '2026-03-01T10:00:00.000Z',
    );
    expect(utf8Bytes(audit[0]!.data.version as string)).toBeLessThanOrEqual(CAPS.auditStringBytes);
    expect(verifyChain(audit)).toEqual({ valid: true, length: 1 });
  });
});

describe('deployment records and release holds are capped when normalized', () => {
  it('caps a CodePipeline commit message, author and resources with markers', () => {
    const event = structuredClone(fixture('codepipeline-pipeline-execution-failed.json')) as unknown as {
      resources: string[];
      detail: Record<string, unknown>;
    };
    event.detail['execution-trigger'] = {
      'commit-id': 'c'.repeat(5_000),
      'commit-message': `Fix ${'m'.repeat(20_000)}`,
      'author-display-name': 'A'.repeat(5_000),
    };
    event.resources = Array.from(
      { length: 50 },
      (_, i) => `arn:aws:codepipeline:us-east-1:123456789012:${i}${'p'.repeat(2_000)}`,
    );
    const { record } = normalizeDeploymentEvent(event);
    expect(record.commitMessage).toMatch(/^Fix m+… \[truncated 19,\d{3} chars\]$/);
    expect(utf8Bytes(record.commitMessage!)).toBeLessThanOrEqual(CAPS.commitMessageBytes);
    expect(utf8Bytes(record.commit!)).toBeLessThanOrEqual(CAPS.commitBytes);
    expect(utf8Bytes(record.version)).toBeLessThanOrEqual(CAPS.versionBytes);
    expect(utf8Bytes(record.actor!)).toBeLessThanOrEqual(CAPS.actorBytes);
    expect(listBytes(record.resources)).toBeLessThanOrEqual(CAPS.deploymentResources.bytes);
    for (const r of record.resources) expect(utf8Bytes(r)).toBeLessThanOrEqual(CAPS.resourceIdBytes);
  });

  it('caps the largest deploy notice, and the hold and release incident it makes stay bounded', () => {
    const { record } = normalizeDeploymentEvent({
      version: '0',
      id: 'dep-1',
      'detail-type': 'Deployment',
      source: 'firebreak.deploy',
      account: '123456789012',
      time: '2026-03-01T10:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: {
        service: 's'.repeat(100),
        version: '😀'.repeat(100),
        environment: 'production',
        status: 'failed',
        commit: '€'.repeat(200),
        actor: '€'.repeat(100),
        url: `https://ci.example.com/${'u'.repeat(1_900)}`,
        runId: 'r'.repeat(128),
      },
    });
    expect(utf8Bytes(record.version)).toBeLessThanOrEqual(CAPS.versionBytes);
    expect(record.version).not.toMatch(LONE_SURROGATE);
    expect(utf8Bytes(record.commit!)).toBeLessThanOrEqual(CAPS.commitBytes);
    expect(utf8Bytes(record.actor!)).toBeLessThanOrEqual(CAPS.actorBytes);
    expect(record.link).toBeUndefined();
    const hold = holdAfterFailure(record, '2026-03-01T10:00:01.000Z')!;
    expect(utf8Bytes(hold.reason)).toBeLessThanOrEqual(CAPS.holdReasonBytes);
    const incident = incidentForFailedDeployment(record)!;
    expect(utf8Bytes(incident.title)).toBeLessThanOrEqual(CAPS.titleBytes);
    expect(incident.title).not.toMatch(LONE_SURROGATE);
  });
});
