/**
 * normalizeEvent on custom monitor events: the documented defaults, every field, allowed sources,
 * bounds and trimming, each rejection naming its field (harness: normalize-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { MonitorDetailSchema } from '../../../functions/core/signals/monitor-normalizer.ts';
import { normalizeEvent } from '../../../functions/core/signals/normalize-signals.ts';
import { UnsupportedSourceError } from '../../../functions/core/signals/signal.ts';
import { monitorEvent } from '../helpers.ts';
import { only, invalid } from './normalize-harness.ts';

describe('normalizeEvent: custom monitors', () => {
  it('applies the documented defaults to a minimal monitor event', () => {
    const s = only(monitorEvent({ title: 'Checkout latency p99 above 2s' }));
    expect(s).toEqual({
      source: 'firebreak.monitor.synthetics',
      kind: 'Synthetic Check Failed',
      subject: 'Checkout latency p99 above 2s',
      title: 'Checkout latency p99 above 2s',
      account: '123456789012',
      region: 'eu-west-1',
      resources: [],
      severityHint: 'medium',
      observedAt: '2026-03-01T10:00:00.000Z',
      state: 'firing',
      attributes: {},
    });
  });

  it('uses every field of a full monitor event', () => {
    const s = only(
      monitorEvent(
        {
          title: 'Checkout 5xx rate above 5%',
          severity: 'critical',
          state: 'recovered',
          subject: 'checkout-api',
          kind: 'error-rate',
          description: 'From Datadog monitor 123',
          resources: ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa1'],
          attributes: { monitorId: '123', team: 'payments' },
          url: 'https://app.datadoghq.com/monitors/123',
        },
        {
          source: 'firebreak.monitor.datadog',
          resources: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/checkout/1'],
        },
      ),
    );
    expect(s).toMatchObject({
      source: 'firebreak.monitor.datadog',
      kind: 'error-rate',
      subject: 'checkout-api',
      severityHint: 'critical',
      state: 'recovered',
      description: 'From Datadog monitor 123',
      url: 'https://app.datadoghq.com/monitors/123',
      attributes: { monitorId: '123', team: 'payments' },
    });
    // Detail resources first, then envelope resources; duplicates dropped.
    expect(s.resources).toEqual([
      'i-0aaaaaaaaaaaaaaa1',
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/checkout/1',
    ]);
  });

  it('defaults the subject to the first resource', () => {
    expect(only(monitorEvent({ title: 'Disk full', resources: ['i-0bbbbbbbbbbbbbbb2', 'i-0ccccccccccccccc3'] })).subject).toBe(
      'i-0bbbbbbbbbbbbbbb2',
    );
    expect(only(monitorEvent({ title: 'Disk full' }, { resources: ['i-0ddddddddddddddd4'] })).subject).toBe(
      'i-0ddddddddddddddd4',
    );
  });

  it('accepts a source listed in customSources and rejects it otherwise', () => {
    const event = monitorEvent({ title: 'Build broken' }, { source: 'com.acme.ci' });
    const error = invalid(() => normalizeEvent(event));
    expect(error).toBeInstanceOf(UnsupportedSourceError);
    expect(error.field).toBe('source');
    expect(only(event, { customSources: ['com.acme.ci'] }).source).toBe('com.acme.ci');
  });

  it.each(['http://example.com/runbook', 'javascript:alert(1)', 'ftp://example.com/x', 'not a url'])(
    'rejects the url %s, naming detail.url',
    (url) => {
      expect(invalid(() => normalizeEvent(monitorEvent({ title: 'x', url }))).field).toBe('detail.url');
    },
  );

  it('rejects a bad severity, state, title and attribute name, naming each', () => {
    expect(invalid(() => normalizeEvent(monitorEvent({ title: 'x', severity: 'urgent' }))).field).toBe('detail.severity');
    expect(invalid(() => normalizeEvent(monitorEvent({ title: 'x', state: 'ok' }))).field).toBe('detail.state');
    expect(invalid(() => normalizeEvent(monitorEvent({ title: '' }))).field).toBe('detail.title');
    expect(invalid(() => normalizeEvent(monitorEvent({ title: 'x'.repeat(301) }))).field).toBe('detail.title');
    expect(invalid(() => normalizeEvent(monitorEvent({ severity: 'high' }))).field).toBe('detail.title');
    expect(invalid(() => normalizeEvent(monitorEvent({ title: 'x', attributes: { 'bad key': 'v' } }))).field).toMatch(
      /^detail\.attributes/,
    );
    expect(invalid(() => normalizeEvent(monitorEvent({ title: 'x', attributes: { team: 7 } }))).field).toBe(
      'detail.attributes.team',
    );
    expect(
      invalid(() => normalizeEvent(monitorEvent({ title: 'x', resources: Array.from({ length: 101 }, (_, i) => `r${i}`) })))
        .field,
    ).toBe('detail.resources');
  });

  it('MonitorDetailSchema documents the same defaults', () => {
    expect(MonitorDetailSchema.parse({ title: 't' })).toEqual({
      title: 't',
      severity: 'medium',
      state: 'firing',
      resources: [],
      attributes: {},
    });
    expect(MonitorDetailSchema.safeParse({ title: 't', url: 'https://example.com/x' }).success).toBe(true);
    expect(MonitorDetailSchema.safeParse({ title: 't', url: 'http://example.com/x' }).success).toBe(false);
  });

  it('bounds the title after trimming and keeps the first resources that fit the cap, counting the rest', () => {
    const all = Array.from({ length: 150 }, (_, i) => `arn:aws:s3:::bucket-${i}`);
    const s = only(monitorEvent({ title: '  padded  ' }, { resources: all }));
    expect(s.title).toBe('padded');
    // 10 names of 21 bytes and 79 of 22 (plus 1 byte each) fill 2,048 bytes as far as they fit.
    expect(s.resources).toEqual(all.slice(0, 89));
    expect(s.resourcesOmitted).toBe(61);
  });

  it('trims resources and the subject taken from them, dropping duplicates after trimming', () => {
    const s = only(
      monitorEvent({ title: 'Disk full', resources: [' i-0aaaaaaaaaaaaaaa1 ', 'i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2\n'] }),
    );
    expect(s.resources).toEqual(['i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2']);
    expect(s.subject).toBe('i-0aaaaaaaaaaaaaaa1');
  });
});
