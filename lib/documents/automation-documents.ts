import { readFileSync } from 'node:fs';
import {
  INSTANCE_ID_PATTERN,
  ROLE_ARN_PATTERN,
  type AutomationDocumentContent,
  type DocumentContext,
  type DocumentParameter,
  type ShippedDocument,
} from './document.ts';

/**
 * The Automation runbooks (schema 0.3) Firebreak ships: isolate an instance for forensics, and
 * release it. Each is one `aws:executeScript` step in Python 3.11 (the scripts sit next to this
 * file), running as the stack's automation role, so the checks and the order of the changes are
 * in one readable place: snapshot, record the groups, then swap them.
 */

/** The tag that keeps an isolated instance's security groups (space-separated ids) for release. */
export const PREVIOUS_GROUPS_TAG = 'firebreak:previous-security-groups';
/** Tags on the forensic snapshots (the automation role may only create snapshots that carry the first). */
export const SNAPSHOT_INSTANCE_TAG = 'firebreak:isolated-instance';

const script = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');

const runbookParameters = (automationRoleArn: string): Record<string, DocumentParameter> => ({
  InstanceId: {
    type: 'String',
    description: 'The EC2 instance (Firebreak passes each target here; it must carry the fleet tag)',
    allowedPattern: INSTANCE_ID_PATTERN,
  },
  AutomationAssumeRole: {
    type: 'String',
    description: "The role the runbook runs as (Firebreak always passes the stack's automation role)",
    allowedPattern: ROLE_ARN_PATTERN,
    default: automationRoleArn,
  },
});

export function isolateInstanceDocument(context: DocumentContext): ShippedDocument {
  const content: AutomationDocumentContent = {
    schemaVersion: '0.3',
    description: `# Firebreak isolate-instance\n\nSnapshots every EBS volume of the instance (CreateSnapshots, tagged ${SNAPSHOT_INSTANCE_TAG}), records its security groups in the tag \`${PREVIOUS_GROUPS_TAG}\`, then moves it into the quarantine security group (no inbound or outbound rules). Undo with Firebreak-ReleaseInstance. Refuses instances without the fleet tag, in another VPC, or with several network interfaces.`,
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: runbookParameters(context.automationRoleArn),
    mainSteps: [
      {
        name: 'Isolate',
        action: 'aws:executeScript',
        timeoutSeconds: 600,
        onFailure: 'Abort',
        isEnd: true,
        inputs: {
          Runtime: 'python3.11',
          Handler: 'handler',
          Script: script('./isolate_instance.py'),
          InputPayload: {
            InstanceId: '{{ InstanceId }}',
            // Fixed by the stack, not parameters: nobody starting the runbook can pick another group.
            QuarantineGroupId: context.quarantine?.groupId ?? '',
            QuarantineVpcId: context.quarantine?.vpcId ?? '',
            FleetTagKey: context.fleetTagKey,
            PreviousGroupsTagKey: PREVIOUS_GROUPS_TAG,
          },
        },
        outputs: [
          { Name: 'SnapshotIds', Selector: '$.Payload.snapshotIds', Type: 'StringList' },
          { Name: 'PreviousGroups', Selector: '$.Payload.previousGroups', Type: 'StringList' },
          { Name: 'AlreadyIsolated', Selector: '$.Payload.alreadyIsolated', Type: 'Boolean' },
        ],
      },
    ],
    outputs: ['Isolate.SnapshotIds', 'Isolate.PreviousGroups', 'Isolate.AlreadyIsolated'],
  };
  return {
    name: 'Firebreak-IsolateInstance',
    documentType: 'Automation',
    content,
    // isolate_instance.py: describe_instances, create_snapshots (tagged), create_tags, modify_instance_attribute.
    permissions: ['ec2:DescribeInstances', 'ec2:CreateSnapshots', 'ec2:CreateTags', 'ec2:ModifyInstanceAttribute'],
  };
}

export function releaseInstanceDocument(context: DocumentContext): ShippedDocument {
  const content: AutomationDocumentContent = {
    schemaVersion: '0.3',
    description: `# Firebreak release-instance\n\nPuts an instance isolated by Firebreak-IsolateInstance back into the security groups recorded in its \`${PREVIOUS_GROUPS_TAG}\` tag, then removes the tag. The forensic snapshots are kept. Refuses an instance whose groups changed since it was isolated.`,
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: runbookParameters(context.automationRoleArn),
    mainSteps: [
      {
        name: 'Release',
        action: 'aws:executeScript',
        timeoutSeconds: 300,
        onFailure: 'Abort',
        isEnd: true,
        inputs: {
          Runtime: 'python3.11',
          Handler: 'handler',
          Script: script('./release_instance.py'),
          InputPayload: {
            InstanceId: '{{ InstanceId }}',
            QuarantineGroupId: context.quarantine?.groupId ?? '',
            FleetTagKey: context.fleetTagKey,
            PreviousGroupsTagKey: PREVIOUS_GROUPS_TAG,
          },
        },
        outputs: [{ Name: 'RestoredGroups', Selector: '$.Payload.restoredGroups', Type: 'StringList' }],
      },
    ],
    outputs: ['Release.RestoredGroups'],
  };
  return {
    name: 'Firebreak-ReleaseInstance',
    documentType: 'Automation',
    content,
    // release_instance.py: describe_instances, modify_instance_attribute, delete_tags.
    permissions: ['ec2:DescribeInstances', 'ec2:ModifyInstanceAttribute', 'ec2:DeleteTags'],
  };
}
