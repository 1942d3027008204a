/**
 * A SIMULATED account for the configuration review (`firebreak review --local`, drills, tests):
 * the same facts the AWS reads produce, deterministic for a given size, with one of each kind of
 * finding so every section of the report has something to show.
 */
import { createHash } from 'node:crypto';
import type { FleetSnapshot } from '../core/review/fleet-snapshot.ts';

const instanceId = (i: number) => `i-${createHash('sha256').update(`review:${i}`).digest('hex').slice(0, 17)}`;
const daysBefore = (iso: string, days: number) => new Date(Date.parse(iso) - days * 86_400_000).toISOString();

export function simulatedFleetSnapshot(takenAt: string, instances = 20): FleetSnapshot {
  const managed = Array.from({ length: instances }, (_, i) => ({
    instanceId: instanceId(i),
    name: `web-${i + 1}`,
    platform: 'Amazon Linux',
    // The last instance has lost its agent; two others miss patches.
    pingStatus: i === instances - 1 ? 'ConnectionLost' : 'Online',
    ...(i === instances - 1
      ? {}
      : {
          patch: {
            missing: i < 2 ? 3 - i : 0,
            failed: i === 0 ? 1 : 0,
            installedPendingReboot: 0,
            lastOperationAt: daysBefore(takenAt, 1),
          },
        }),
  }));
  const unmanaged = { instanceId: instanceId(instances), name: 'legacy-ftp', state: 'running' };
  return {
    takenAt,
    managedInstances: managed,
    ec2Instances: [...managed.map((m) => ({ instanceId: m.instanceId, name: m.name, state: 'running' })), unmanaged],
    configNoncompliant: [{ resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-0simulated0ssh', rules: ['restricted-ssh'] }],
    openSecurityGroups: [
      {
        groupId: 'sg-0simulated0ssh',
        groupName: 'ssh-from-anywhere',
        openings: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' }],
      },
    ],
    accessKeys: [
      { userName: 'ci-deployer', accessKeyId: 'AKIASIMULATED0OLD01', createdAt: daysBefore(takenAt, 120), status: 'Active' },
      { userName: 'ci-deployer', accessKeyId: 'AKIASIMULATED0NEW01', createdAt: daysBefore(takenAt, 10), status: 'Active' },
    ],
  };
}
