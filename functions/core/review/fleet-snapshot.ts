/**
 * What the configuration review reads from the account, already reduced to the facts it reports.
 * Adapters fill it from EC2, Systems Manager, AWS Config and IAM (or the simulated fleet); the
 * schema also parses a stored snapshot. Pure.
 */
import * as z from 'zod';

const Text = (max: number) => z.string().max(max);

export const FleetSnapshotSchema = z.object({
  takenAt: z.string().min(1),
  /** Instances SSM manages, with their patch state when SSM has one. */
  managedInstances: z.array(
    z.object({
      instanceId: Text(64),
      name: Text(256).optional(),
      platform: Text(64).optional(),
      /** Online, ConnectionLost, Inactive. */
      pingStatus: Text(32),
      patch: z
        .object({
          missing: z.number().int().min(0),
          failed: z.number().int().min(0),
          installedPendingReboot: z.number().int().min(0),
          lastOperationAt: Text(40).optional(),
        })
        .optional(),
    }),
  ),
  /** Every EC2 instance that is not terminated. */
  ec2Instances: z.array(z.object({ instanceId: Text(64), name: Text(256).optional(), state: Text(32) })),
  configNoncompliant: z.array(z.object({ resourceType: Text(128), resourceId: Text(768), rules: z.array(Text(128)).max(20) })),
  /** Security groups with an ingress rule from 0.0.0.0/0 or ::/0. */
  openSecurityGroups: z.array(
    z.object({
      groupId: Text(64),
      groupName: Text(256),
      openings: z.array(
        z.object({
          protocol: Text(16),
          fromPort: z.number().int().optional(),
          toPort: z.number().int().optional(),
          cidr: Text(64),
        }),
      ),
    }),
  ),
  accessKeys: z.array(z.object({ userName: Text(128), accessKeyId: Text(128), createdAt: Text(40), status: Text(16) })),
});
export type FleetSnapshot = z.infer<typeof FleetSnapshotSchema>;
