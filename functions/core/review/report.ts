/**
 * The CTO's configuration review: a report built from a fleet snapshot, compared with the previous
 * review's items. Pure; time is an input.
 */
import type { FleetSnapshot } from './fleet-snapshot.ts';

export type ReviewSectionId = 'patching' | 'unmanaged' | 'config' | 'open-security-groups' | 'old-access-keys';

/** One thing the CTO should look at; `key` identifies it across reviews. */
export interface ReviewItem {
  readonly key: string;
  readonly text: string;
}

export interface ReviewSection {
  readonly id: ReviewSectionId;
  readonly title: string;
  readonly items: readonly ReviewItem[];
}

export interface ReviewReport {
  readonly takenAt: string;
  readonly summary: {
    readonly managed: number;
    readonly online: number;
    readonly patchCompliant: number;
    readonly ec2Instances: number;
  };
  readonly sections: readonly ReviewSection[];
  /** Against the previous review: items that appeared and items that went away (by key). */
  readonly changes: { readonly since?: string; readonly added: readonly ReviewItem[]; readonly resolved: readonly ReviewItem[] };
}

/** The items of a previous review, as stored. */
export interface PreviousReview {
  readonly takenAt: string;
  readonly items: readonly ReviewItem[];
}

const DAY = 86_400_000;

function port(opening: { protocol: string; fromPort?: number | undefined; toPort?: number | undefined }): string {
  if (opening.protocol === '-1') return 'all traffic';
  if (opening.fromPort === undefined) return opening.protocol;
  const range =
    opening.fromPort === opening.toPort || opening.toPort === undefined
      ? `${opening.fromPort}`
      : `${opening.fromPort}-${opening.toPort}`;
  return `${opening.protocol}/${range}`;
}

export function buildReview(
  snapshot: FleetSnapshot,
  previous: PreviousReview | undefined,
  options: { accessKeyMaxAgeDays: number },
): ReviewReport {
  const now = Date.parse(snapshot.takenAt);
  const managedIds = new Set(snapshot.managedInstances.map((i) => i.instanceId));
  const label = (id: string, name?: string) => (name ? `${id} (${name})` : id);

  const patching: ReviewItem[] = [];
  for (const instance of snapshot.managedInstances) {
    const who = label(instance.instanceId, instance.name);
    if (instance.pingStatus !== 'Online')
      patching.push({ key: `ping:${instance.instanceId}`, text: `${who}: SSM agent ${instance.pingStatus}` });
    if (!instance.patch) patching.push({ key: `nopatch:${instance.instanceId}`, text: `${who}: no patch scan reported` });
    else if (instance.patch.missing + instance.patch.failed + instance.patch.installedPendingReboot > 0) {
      const { missing, failed, installedPendingReboot } = instance.patch;
      patching.push({
        key: `patch:${instance.instanceId}`,
        text: `${who}: ${missing} missing, ${failed} failed, ${installedPendingReboot} pending reboot`,
      });
    }
  }
  const unmanaged = snapshot.ec2Instances
    .filter((i) => !managedIds.has(i.instanceId) && i.state !== 'terminated' && i.state !== 'shutting-down')
    .map((i) => ({
      key: `unmanaged:${i.instanceId}`,
      text: `${label(i.instanceId, i.name)} (${i.state}) is not managed by SSM`,
    }));
  const config = snapshot.configNoncompliant.map((r) => ({
    key: `config:${r.resourceType}:${r.resourceId}`,
    text: `${r.resourceType} ${r.resourceId}${r.rules.length ? `: ${r.rules.join(', ')}` : ''}`,
  }));
  const openGroups = snapshot.openSecurityGroups.flatMap((g) =>
    g.openings.map((o) => ({
      key: `sg:${g.groupId}:${port(o)}:${o.cidr}`,
      text: `${g.groupId} (${g.groupName}) allows ${port(o)} from ${o.cidr}`,
    })),
  );
  const oldKeys = snapshot.accessKeys
    .map((k) => ({ ...k, ageDays: Math.floor((now - Date.parse(k.createdAt)) / DAY) }))
    .filter((k) => k.ageDays > options.accessKeyMaxAgeDays)
    .sort((a, b) => b.ageDays - a.ageDays)
    .map((k) => ({
      key: `key:${k.accessKeyId}`,
      text: `${k.userName}: access key ${k.accessKeyId} is ${k.ageDays} days old (${k.status})`,
    }));

  const sections: ReviewSection[] = [
    { id: 'patching', title: 'SSM-managed instances needing attention (patch compliance, agent)', items: patching },
    { id: 'unmanaged', title: 'EC2 instances Systems Manager does not manage', items: unmanaged },
    { id: 'config', title: 'AWS Config noncompliant resources', items: config },
    { id: 'open-security-groups', title: 'Security groups open to the world', items: openGroups },
    { id: 'old-access-keys', title: `IAM access keys older than ${options.accessKeyMaxAgeDays} days`, items: oldKeys },
  ];
  const items = sections.flatMap((s) => s.items);
  const before = new Set(previous?.items.map((i) => i.key));
  const now_ = new Set(items.map((i) => i.key));
  return {
    takenAt: snapshot.takenAt,
    summary: {
      managed: snapshot.managedInstances.length,
      online: snapshot.managedInstances.filter((i) => i.pingStatus === 'Online').length,
      patchCompliant: snapshot.managedInstances.filter(
        (i) => i.patch && i.patch.missing + i.patch.failed + i.patch.installedPendingReboot === 0,
      ).length,
      ec2Instances: snapshot.ec2Instances.filter((i) => i.state !== 'terminated').length,
    },
    sections,
    changes: {
      ...(previous ? { since: previous.takenAt } : {}),
      added: previous ? items.filter((i) => !before.has(i.key)) : [],
      resolved: previous ? previous.items.filter((i) => !now_.has(i.key)) : [],
    },
  };
}

/** Every item of the report, for the next review to compare with (capped so the stored item stays small). */
export function reviewItems(report: ReviewReport, max = 300): ReviewItem[] {
  return report.sections.flatMap((s) => s.items).slice(0, max);
}

/**
 * The report as plain lines; `escape` makes each untrusted piece safe for where it goes (Slack
 * mrkdwn or a terminal). At most `perSection` items per section, with a count of the rest.
 */
export function reviewLines(report: ReviewReport, escape: (text: string) => string, perSection = 20): string[] {
  const { summary } = report;
  const lines = [
    `Configuration review of ${report.takenAt}`,
    `${summary.managed} SSM-managed instances (${summary.online} online, ${summary.patchCompliant} patch compliant) of ${summary.ec2Instances} EC2 instances`,
  ];
  for (const section of report.sections) {
    lines.push('', `${section.title}: ${section.items.length === 0 ? 'none' : section.items.length}`);
    for (const item of section.items.slice(0, perSection)) lines.push(`  - ${escape(item.text)}`);
    if (section.items.length > perSection) lines.push(`  … and ${section.items.length - perSection} more`);
  }
  lines.push('');
  if (!report.changes.since) lines.push('Changes: this is the first review.');
  else {
    lines.push(
      `Changes since the review of ${report.changes.since}: ${report.changes.added.length} new, ${report.changes.resolved.length} resolved`,
    );
    for (const item of report.changes.added.slice(0, perSection)) lines.push(`  + ${escape(item.text)}`);
    for (const item of report.changes.resolved.slice(0, perSection)) lines.push(`  - ${escape(item.text)}`);
  }
  return lines;
}
