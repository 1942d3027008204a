import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config.ts';
import type { RosterMember } from '../../../functions/core/approval/roster.ts';
import type { FleetSnapshot } from '../../../functions/core/review/fleet-snapshot.ts';
import { buildReview, reviewItems, reviewLines } from '../../../functions/core/review/report.ts';
import { acknowledgeReview, reviewIdFor } from '../../../functions/core/review/review-ack.ts';
import { configInput } from '../helpers.ts';

const SNAPSHOT: FleetSnapshot = {
  takenAt: '2026-11-23T08:00:00.000Z',
  managedInstances: [
    { instanceId: 'i-0aaa', name: 'web-1', pingStatus: 'Online', patch: { missing: 0, failed: 0, installedPendingReboot: 0 } },
    { instanceId: 'i-0bbb', pingStatus: 'Online', patch: { missing: 3, failed: 1, installedPendingReboot: 0 } },
    { instanceId: 'i-0ccc', pingStatus: 'ConnectionLost' },
  ],
  ec2Instances: [
    { instanceId: 'i-0aaa', state: 'running' },
    { instanceId: 'i-0bbb', state: 'running' },
    { instanceId: 'i-0ccc', state: 'stopped' },
    { instanceId: 'i-0ddd', name: 'legacy-ftp', state: 'running' },
    { instanceId: 'i-0eee', state: 'terminated' },
  ],
  configNoncompliant: [
    { resourceType: 'AWS::S3::Bucket', resourceId: 'logs-bucket', rules: ['s3-bucket-public-read-prohibited'] },
  ],
  openSecurityGroups: [
    {
      groupId: 'sg-0123',
      groupName: 'ssh-anywhere',
      openings: [
        { protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' },
        { protocol: '-1', cidr: '::/0' },
      ],
    },
  ],
  accessKeys: [
    { userName: 'ci-bot', accessKeyId: 'AKIAOLD', createdAt: '2026-01-01T00:00:00.000Z', status: 'Active' },
    { userName: 'ci-bot', accessKeyId: 'AKIANEW', createdAt: '2026-11-01T00:00:00.000Z', status: 'Active' },
    { userName: 'ops', accessKeyId: 'AKIAEDGE', createdAt: '2026-08-25T08:00:00.000Z', status: 'Inactive' },
  ],
};

describe('review configuration', () => {
  it('is weekly on Monday 08:00 UTC with a 90-day key age by default', () => {
    expect(parseConfig(configInput()).review).toEqual({
      enabled: true,
      schedule: 'cron(0 8 ? * MON *)',
      timezone: 'UTC',
      accessKeyMaxAgeDays: 90,
    });
    expect(() => parseConfig(configInput({ review: { schedule: 'weekly' } }))).toThrow('must be cron(...) or rate(...)');
    expect(parseConfig(configInput({ review: { schedule: 'rate(7 days)' } })).review.schedule).toBe('rate(7 days)');
  });
});

describe('the review report', () => {
  const report = buildReview(SNAPSHOT, undefined, { accessKeyMaxAgeDays: 90 });
  const section = (id: string) => report.sections.find((s) => s.id === id)!.items.map((i) => i.text);

  it('lists each section of the fleet', () => {
    expect(report.summary).toEqual({ managed: 3, online: 2, patchCompliant: 1, ec2Instances: 4 });
    expect(section('patching')).toEqual([
      'i-0bbb: 3 missing, 1 failed, 0 pending reboot',
      'i-0ccc: SSM agent ConnectionLost',
      'i-0ccc: no patch scan reported',
    ]);
    expect(section('unmanaged')).toEqual(['i-0ddd (legacy-ftp) (running) is not managed by SSM']);
    expect(section('config')).toEqual(['AWS::S3::Bucket logs-bucket: s3-bucket-public-read-prohibited']);
    expect(section('open-security-groups')).toEqual([
      'sg-0123 (ssh-anywhere) allows tcp/22 from 0.0.0.0/0',
      'sg-0123 (ssh-anywhere) allows all traffic from ::/0',
    ]);
    // 90 days exactly (AKIAEDGE) is not older than 90 days.
    expect(section('old-access-keys')).toEqual(['ci-bot: access key AKIAOLD is 326 days old (Active)']);
    expect(report.changes).toEqual({ added: [], resolved: [] });
  });

  it('says what changed since the previous review', () => {
    const next: FleetSnapshot = {
      ...SNAPSHOT,
      takenAt: '2026-11-30T08:00:00.000Z',
      ec2Instances: SNAPSHOT.ec2Instances.filter((i) => i.instanceId !== 'i-0ddd'),
      openSecurityGroups: [],
      configNoncompliant: [...SNAPSHOT.configNoncompliant, { resourceType: 'AWS::EC2::Volume', resourceId: 'vol-1', rules: [] }],
    };
    const second = buildReview(next, { takenAt: report.takenAt, items: reviewItems(report) }, { accessKeyMaxAgeDays: 90 });
    expect(second.changes.since).toBe('2026-11-23T08:00:00.000Z');
    expect(second.changes.added.map((i) => i.text)).toEqual([
      'AWS::EC2::Volume vol-1',
      'ops: access key AKIAEDGE is 97 days old (Inactive)',
    ]);
    expect(second.changes.resolved.map((i) => i.key)).toEqual([
      'unmanaged:i-0ddd',
      'sg:sg-0123:tcp/22:0.0.0.0/0',
      'sg:sg-0123:all traffic:::/0',
    ]);
  });

  it('renders lines with each untrusted piece escaped by the caller', () => {
    const lines = reviewLines(report, (t) => t.toUpperCase(), 1);
    expect(lines[0]).toBe('Configuration review of 2026-11-23T08:00:00.000Z');
    expect(lines).toContain('  - I-0BBB: 3 MISSING, 1 FAILED, 0 PENDING REBOOT');
    expect(lines).toContain('  … and 2 more');
    expect(lines).toContain('Security groups open to the world: 2');
    expect(lines.at(-1)).toBe('Changes: this is the first review.');
  });
});

describe('the Reviewed button', () => {
  const cto: RosterMember = { slackUserId: 'U0CTO000001', name: 'Dana', role: 'cto' };
  const senior: RosterMember = { slackUserId: 'U0SENIOR001', name: 'Priya', role: 'senior' };
  const review = { id: reviewIdFor(SNAPSHOT.takenAt), takenAt: SNAPSHOT.takenAt };
  const ack = (member: RosterMember | undefined, overrides: Partial<Parameters<typeof acknowledgeReview>[0]> = {}) =>
    acknowledgeReview({
      review,
      actor: { userId: member?.slackUserId ?? 'U0NOBODY01', teamId: 'T0FIREBRK01' },
      workspaceTeamId: 'T0FIREBRK01',
      member,
      cto,
      now: '2026-11-23T09:00:00.000Z',
      ...overrides,
    });

  it('the CTO acknowledges it', () => {
    expect(review.id).toBe('REV-202611230800');
    expect(ack(cto)).toEqual({
      allowed: true,
      role: 'cto',
      review: { ...review, reviewedBy: 'U0CTO000001', reviewedAt: '2026-11-23T09:00:00.000Z' },
    });
  });

  it('a senior engineer only while the CTO is away', () => {
    expect(ack(senior)).toEqual({ allowed: false, refusal: 'cto_available' });
    expect(ack(senior, { cto: { ...cto, awayUntil: '2026-11-24T00:00:00.000Z' } })).toMatchObject({
      allowed: true,
      role: 'senior',
    });
  });

  it('refuses responders, strangers, other workspaces and a second acknowledgement', () => {
    expect(ack({ slackUserId: 'U0RESPOND01', name: 'Sam', role: 'responder' })).toEqual({
      allowed: false,
      refusal: 'wrong_role',
    });
    expect(ack(undefined)).toEqual({ allowed: false, refusal: 'not_on_roster' });
    expect(ack(cto, { actor: { userId: 'U0CTO000001', teamId: 'T0ELSEWHERE' } })).toEqual({
      allowed: false,
      refusal: 'other_workspace',
    });
    expect(ack(cto, { review: { ...review, reviewedBy: 'U0CTO000001', reviewedAt: 'x' } })).toEqual({
      allowed: false,
      refusal: 'already_decided',
    });
  });
});
