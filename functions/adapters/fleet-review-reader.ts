/**
 * Reads what the configuration review reports from the account: EC2 (instances, security groups),
 * Systems Manager (managed instances, patch states), AWS Config (noncompliant resources by rule)
 * and IAM (users' access keys). Read-only calls; every list is paged to its end, within a bound.
 */
import {
  type ConfigServiceClient,
  DescribeComplianceByConfigRuleCommand,
  GetComplianceDetailsByConfigRuleCommand,
} from '@aws-sdk/client-config-service';
import { DescribeInstancesCommand, DescribeSecurityGroupsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ListAccessKeysCommand, ListUsersCommand, type IAMClient } from '@aws-sdk/client-iam';
import { DescribeInstanceInformationCommand, DescribeInstancePatchStatesCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { FleetSnapshot } from '../core/review/fleet-snapshot.ts';

/** At most this many pages per list: a runaway account cannot keep the review running for ever. */
const MAX_PAGES = 200;
const WORLD = new Set(['0.0.0.0/0', '::/0']);

async function pages<T>(fetch: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next } = await fetch(token);
    all.push(...items);
    if (!next) return all;
    token = next;
  }
  throw new Error(`more than ${MAX_PAGES} pages: the review stops rather than report half the account`);
}

const nameTag = (tags: { Key?: string | undefined; Value?: string | undefined }[] | undefined) =>
  tags?.find((t) => t.Key === 'Name')?.Value;

export interface FleetReviewClients {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly config: ConfigServiceClient;
  readonly iam: IAMClient;
}

export class AwsFleetReviewReader {
  constructor(private readonly clients: FleetReviewClients) {}

  async read(takenAt: string): Promise<FleetSnapshot> {
    const [managedInstances, ec2Instances, configNoncompliant, openSecurityGroups, accessKeys] = await Promise.all([
      this.managedInstances(),
      this.ec2Instances(),
      this.configNoncompliant(),
      this.openSecurityGroups(),
      this.accessKeys(),
    ]);
    return { takenAt, managedInstances, ec2Instances, configNoncompliant, openSecurityGroups, accessKeys };
  }

  private async managedInstances(): Promise<FleetSnapshot['managedInstances']> {
    const { ssm } = this.clients;
    const infos = await pages(async (NextToken) => {
      const out = await ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 50, NextToken }));
      return { items: out.InstanceInformationList ?? [], next: out.NextToken };
    });
    const ids = infos.flatMap((i) => (i.InstanceId ? [i.InstanceId] : []));
    const states = new Map<string, NonNullable<FleetSnapshot['managedInstances'][number]['patch']>>();
    for (let i = 0; i < ids.length; i += 50) {
      const batch = ids.slice(i, i + 50);
      const found = await pages(async (NextToken) => {
        const out = await ssm.send(new DescribeInstancePatchStatesCommand({ InstanceIds: batch, MaxResults: 50, NextToken }));
        return { items: out.InstancePatchStates ?? [], next: out.NextToken };
      });
      for (const s of found)
        states.set(s.InstanceId!, {
          missing: s.MissingCount ?? 0,
          failed: s.FailedCount ?? 0,
          installedPendingReboot: s.InstalledPendingRebootCount ?? 0,
          ...(s.OperationEndTime ? { lastOperationAt: s.OperationEndTime.toISOString() } : {}),
        });
    }
    return infos.flatMap((i) => {
      if (!i.InstanceId) return [];
      const patch = states.get(i.InstanceId);
      return [
        {
          instanceId: i.InstanceId,
          ...(i.ComputerName ? { name: i.ComputerName } : {}),
          ...(i.PlatformName ? { platform: i.PlatformName } : {}),
          pingStatus: i.PingStatus ?? 'Unknown',
          ...(patch ? { patch } : {}),
        },
      ];
    });
  }

  private async ec2Instances(): Promise<FleetSnapshot['ec2Instances']> {
    const reservations = await pages(async (NextToken) => {
      const out = await this.clients.ec2.send(
        new DescribeInstancesCommand({
          Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }],
          MaxResults: 1000,
          NextToken,
        }),
      );
      return { items: out.Reservations ?? [], next: out.NextToken };
    });
    return reservations.flatMap((r) =>
      (r.Instances ?? []).flatMap((i) => {
        if (!i.InstanceId) return [];
        const name = nameTag(i.Tags);
        return [{ instanceId: i.InstanceId, ...(name ? { name } : {}), state: i.State?.Name ?? 'unknown' }];
      }),
    );
  }

  private async configNoncompliant(): Promise<FleetSnapshot['configNoncompliant']> {
    const { config } = this.clients;
    const rules = await pages(async (NextToken) => {
      const out = await config.send(new DescribeComplianceByConfigRuleCommand({ ComplianceTypes: ['NON_COMPLIANT'], NextToken }));
      return { items: out.ComplianceByConfigRules ?? [], next: out.NextToken };
    });
    const byResource = new Map<string, FleetSnapshot['configNoncompliant'][number]>();
    for (const rule of rules) {
      if (!rule.ConfigRuleName) continue;
      const results = await pages(async (NextToken) => {
        const out = await config.send(
          new GetComplianceDetailsByConfigRuleCommand({
            ConfigRuleName: rule.ConfigRuleName,
            ComplianceTypes: ['NON_COMPLIANT'],
            Limit: 100,
            NextToken,
          }),
        );
        return { items: out.EvaluationResults ?? [], next: out.NextToken };
      });
      for (const result of results) {
        const q = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
        if (!q?.ResourceType || !q.ResourceId) continue;
        const key = `${q.ResourceType} ${q.ResourceId}`;
        const entry = byResource.get(key) ?? { resourceType: q.ResourceType, resourceId: q.ResourceId, rules: [] };
        if (entry.rules.length < 20 && !entry.rules.includes(rule.ConfigRuleName)) entry.rules.push(rule.ConfigRuleName);
        byResource.set(key, entry);
      }
    }
    return [...byResource.values()];
  }

  private async openSecurityGroups(): Promise<FleetSnapshot['openSecurityGroups']> {
    const groups = await pages(async (NextToken) => {
      const out = await this.clients.ec2.send(new DescribeSecurityGroupsCommand({ MaxResults: 1000, NextToken }));
      return { items: out.SecurityGroups ?? [], next: out.NextToken };
    });
    return groups.flatMap((g) => {
      const openings = (g.IpPermissions ?? []).flatMap((p) =>
        [...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)]
          .filter((cidr): cidr is string => !!cidr && WORLD.has(cidr))
          .map((cidr) => ({
            protocol: p.IpProtocol ?? '-1',
            ...(p.FromPort !== undefined ? { fromPort: p.FromPort } : {}),
            ...(p.ToPort !== undefined ? { toPort: p.ToPort } : {}),
            cidr,
          })),
      );
      return openings.length && g.GroupId ? [{ groupId: g.GroupId, groupName: g.GroupName ?? '', openings }] : [];
    });
  }

  private async accessKeys(): Promise<FleetSnapshot['accessKeys']> {
    const { iam } = this.clients;
    const users = await pages(async (Marker) => {
      const out = await iam.send(new ListUsersCommand({ MaxItems: 1000, Marker }));
      return { items: out.Users ?? [], next: out.IsTruncated ? out.Marker : undefined };
    });
    const keys: FleetSnapshot['accessKeys'] = [];
    for (const user of users) {
      const metadata = await pages(async (Marker) => {
        const out = await iam.send(new ListAccessKeysCommand({ UserName: user.UserName, Marker }));
        return { items: out.AccessKeyMetadata ?? [], next: out.IsTruncated ? out.Marker : undefined };
      });
      for (const key of metadata)
        if (key.AccessKeyId && key.CreateDate)
          keys.push({
            userName: user.UserName!,
            accessKeyId: key.AccessKeyId,
            createdAt: key.CreateDate.toISOString(),
            status: key.Status ?? 'Unknown',
          });
    }
    return keys;
  }
}
