/**
 * What every bench section shares: the sample events, the report its figures go into (each row also
 * printed as soon as it is measured, so a long run shows its progress), and small helpers.
 */
import { readFileSync } from 'node:fs';
import type { FirebreakConfig } from '../functions/core/config.ts';
import type { EventEnvelope } from '../functions/core/signals/signal.ts';

export const FIXTURES = [
  'cloudwatch-alarm-state-change-alarm.json',
  'guardduty-finding-ec2-high-wrapped.json',
  'securityhub-findings-imported-afsbp-critical-wrapped.json',
  'inspector2-finding-ec2-package-vulnerability-active.json',
  'health-ec2-issue.json',
  'ec2-instance-state-change-terminated.json',
].map((name) => JSON.parse(readFileSync(new URL(`../test/fixtures/events/${name}`, import.meta.url), 'utf8')) as EventEnvelope);

export interface Row {
  readonly measure: string;
  readonly value: string;
}

export interface Report {
  readonly rows: Row[];
  readonly results: Record<string, unknown>;
  add(row: Row): void;
}

/** `results`: shared with another report (sections running side by side each fill their own rows). */
export function createReport(results: Record<string, unknown> = {}): Report {
  const rows: Row[] = [];
  return {
    rows,
    results,
    add(row) {
      process.stderr.write(`  ${row.measure}  ${row.value}\n`);
      rows.push(row);
    },
  };
}

/** What a section gets: the configuration and the report to add its figures to. */
export interface SectionInput {
  readonly config: FirebreakConfig;
  readonly report: Report;
}

/** Distinct fingerprints: each event is about its own alarm or instance (by default alarms and GuardDuty findings in turn). */
export function distinctEvents(n: number, fixtures: readonly number[] = [0, 1]): EventEnvelope[] {
  return Array.from({ length: n }, (_, i) => {
    const event = structuredClone(FIXTURES[fixtures[i % fixtures.length]!]!);
    event.id = `bench-distinct-${i}`;
    const detail = event.detail as { alarmName?: string; resource?: { instanceDetails: { instanceId: string } } };
    if (event.source === 'aws.cloudwatch') {
      detail.alarmName = `ServerCpuTooHigh-${i}`;
      event.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh-${i}`];
    } else {
      detail.resource!.instanceDetails.instanceId = `i-${i.toString(16).padStart(8, '0')}`;
    }
    return event;
  });
}

/** The same few fingerprints over and over: a storm of repeats. */
export function repeatEvents(n: number, fingerprints: number, fixtures?: readonly number[]): EventEnvelope[] {
  const distinct = distinctEvents(fingerprints, fixtures);
  return Array.from({ length: n }, (_, i) => ({ ...structuredClone(distinct[i % fingerprints]!), id: `bench-repeat-${i}` }));
}

/** `npm run bench -- --quick`: the storm, the fleet and the distinct-event run at a fifth of their sizes. */
const QUICK = process.argv.includes('--quick');

/** A run's size: its environment variable, else the full size (a fifth with --quick); each figure prints the size it used. */
export function sizeFromEnvironment(name: string, full: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return QUICK ? full / 5 : full;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number, not ${raw}`);
  return value;
}

export function round(value: number): number {
  return Math.round(value * 100) / 100;
}
