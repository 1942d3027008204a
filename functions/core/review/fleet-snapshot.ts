/**
 * What the configuration review reads from the account, already reduced to the facts it reports.
 * Adapters fill it from EC2, Systems Manager, AWS Config and IAM (or the simulated fleet); the
 * schema also parses a stored snapshot. Pure.
 */
import * as z from '../zod.ts';

const Text = (max: number) => z.string().check(z.maxLength(max));

export const FleetSnapshotSchema = z.object({
  takenAt: z.string().check(z.minLength(1)),
  /** Instances SSM manages, with their patch state when SSM has one. */
  managedInstances: z.array(
    z.object({
      instanceId: Text(64),
      name: z.optional(Text(256)),
      platform: z.optional(Text(64)),
      /** Online, ConnectionLost, Inactive. */
      pingStatus: Text(32),
      patch: z.optional(
        z.object({
          missing: z.number().check(z.int(), z.gte(0)),
          failed: z.number().check(z.int(), z.gte(0)),
          installedPendingReboot: z.number().check(z.int(), z.gte(0)),
          lastOperationAt: z.optional(Text(40)),
        }),
      ),
    }),
  ),
  /** Every EC2 instance that is not terminated. */
  ec2Instances: z.array(z.object({ instanceId: Text(64), name: z.optional(Text(256)), state: Text(32) })),
  configNoncompliant: z.array(
    z.object({ resourceType: Text(128), resourceId: Text(768), rules: z.array(Text(128)).check(z.maxLength(20)) }),
  ),
  /** Security groups with an ingress rule from 0.0.0.0/0 or ::/0. */
  openSecurityGroups: z.array(
    z.object({
      groupId: Text(64),
      groupName: Text(256),
      openings: z.array(
        z.object({
          protocol: Text(16),
          fromPort: z.optional(z.number().check(z.int())),
          toPort: z.optional(z.number().check(z.int())),
          cidr: Text(64),
        }),
      ),
    }),
  ),
  accessKeys: z.array(z.object({ userName: Text(128), accessKeyId: Text(128), createdAt: Text(40), status: Text(16) })),
});
export type FleetSnapshot = z.infer<typeof FleetSnapshotSchema>;
