/**
 * What the change watch looks at: every CloudTrail management event worth an incident, with its
 * default severity and how to read its target and the change itself from the request. Data and
 * pure functions; the README's "Watched changes" table is this list.
 */
import type { Severity } from '../config.ts';
import {
  str,
  field,
  obj,
  openToWorld,
  openToWorldOnAdminPort,
  describeRules,
  groupTarget,
  policyAllowsEveryone,
  aclIsPublic,
  weakensPublicAccessBlock,
  bucket,
  userTarget,
  keyTarget,
} from './cloudtrail-request.ts';

/** CloudTrail's `requestParameters` / `responseElements`: free-form JSON objects. */
export type Json = Readonly<Record<string, unknown>>;

export interface WatchedAction {
  /** Stable id: rules match it (attribute `watch`), `watch.severity` overrides by it. */
  readonly id: string;
  /** CloudTrail `eventSource`, e.g. `iam.amazonaws.com`. */
  readonly eventSource: string;
  readonly eventNames: readonly string[];
  readonly severity: Severity;
  readonly category: 'security' | 'compliance';
  /** What happened, for the title: "IAM policy attached". */
  readonly what: string;
  /** When several entries share an event name, the first whose `when` holds wins. */
  readonly when?: (request: Json) => boolean;
  readonly target?: (request: Json, response: Json) => string | undefined;
  readonly change?: (request: Json, response: Json) => string | undefined;
}

/** The watch list, in match order. */
export const WATCHED_ACTIONS: readonly WatchedAction[] = [
  // IAM (global service: its events arrive in us-east-1)
  {
    id: 'iam.user-created',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['CreateUser', 'CreateLoginProfile', 'UpdateLoginProfile'],
    severity: 'SEV3',
    category: 'security',
    what: 'IAM user or console password created',
    target: field('userName'),
  },
  {
    id: 'iam.access-key-created',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['CreateAccessKey'],
    severity: 'SEV3',
    category: 'security',
    what: 'IAM access key created',
    target: (request, response) => field('userName')(request) ?? str(obj(response.accessKey).userName),
    change: (_request, response) => str(obj(response.accessKey).accessKeyId),
  },
  {
    id: 'iam.admin-policy-attached',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy'],
    severity: 'SEV2',
    category: 'security',
    what: 'Administrator policy attached',
    when: (request) => /:policy\/(AdministratorAccess|IAMFullAccess|PowerUserAccess)$/.test(str(request.policyArn) ?? ''),
    target: userTarget,
    change: field('policyArn'),
  },
  {
    id: 'iam.policy-attached',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy'],
    severity: 'SEV3',
    category: 'security',
    what: 'IAM policy attached',
    target: userTarget,
    change: field('policyArn'),
  },
  {
    id: 'iam.inline-policy-put',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy'],
    severity: 'SEV3',
    category: 'security',
    what: 'IAM inline policy written',
    target: userTarget,
    change: field('policyName'),
  },
  {
    id: 'iam.policy-version-default',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['CreatePolicyVersion', 'SetDefaultPolicyVersion'],
    severity: 'SEV3',
    category: 'security',
    what: 'IAM managed policy changed (new default version)',
    when: (request) => request.setAsDefault !== false,
    target: field('policyArn'),
    change: field('versionId'),
  },
  {
    id: 'iam.trust-policy-changed',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['UpdateAssumeRolePolicy'],
    severity: 'SEV2',
    category: 'security',
    what: 'IAM role trust policy changed',
    target: field('roleName'),
  },
  {
    id: 'iam.permissions-boundary-removed',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['DeleteRolePermissionsBoundary', 'DeleteUserPermissionsBoundary'],
    severity: 'SEV2',
    category: 'security',
    what: 'IAM permissions boundary removed',
    target: userTarget,
  },
  // Network
  {
    id: 'network.ingress-world-admin',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['AuthorizeSecurityGroupIngress'],
    severity: 'SEV2',
    category: 'security',
    what: 'Security group opened to the world on an administrative port',
    when: openToWorldOnAdminPort,
    target: groupTarget,
    change: describeRules,
  },
  {
    id: 'network.ingress-world',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['AuthorizeSecurityGroupIngress'],
    severity: 'SEV3',
    category: 'security',
    what: 'Security group opened to the world',
    when: (request) => openToWorld(request).length > 0,
    target: groupTarget,
    change: describeRules,
  },
  {
    id: 'network.ingress-changed',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules'],
    severity: 'SEV4',
    category: 'security',
    what: 'Security group ingress rule added',
    target: groupTarget,
    change: describeRules,
  },
  {
    id: 'network.egress-changed',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['AuthorizeSecurityGroupEgress'],
    severity: 'SEV4',
    category: 'security',
    what: 'Security group egress rule added',
    target: groupTarget,
    change: describeRules,
  },
  {
    id: 'network.security-group-created',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['CreateSecurityGroup'],
    severity: 'SEV4',
    category: 'security',
    what: 'Security group created',
    target: (request, response) => str(response.groupId) ?? field('groupName')(request),
    change: (request) => (str(request.vpcId) ? `in ${str(request.vpcId)}` : undefined),
  },
  {
    id: 'network.acl-changed',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['CreateNetworkAclEntry', 'ReplaceNetworkAclEntry', 'DeleteNetworkAclEntry', 'ReplaceNetworkAclAssociation'],
    severity: 'SEV3',
    category: 'security',
    what: 'Network ACL changed',
    target: field('networkAclId', 'associationId'),
    change: (request) =>
      [
        str(request.ruleAction),
        str(request.cidrBlock) ?? str(request.ipv6CidrBlock),
        str(request.ruleNumber) && `rule ${str(request.ruleNumber)}`,
      ]
        .filter(Boolean)
        .join(' ') || undefined,
  },
  {
    id: 'network.route-changed',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['CreateRoute', 'ReplaceRoute', 'DeleteRoute', 'ReplaceRouteTableAssociation'],
    severity: 'SEV3',
    category: 'security',
    what: 'Route changed',
    target: field('routeTableId', 'associationId'),
    change: (request) => {
      const destination = str(request.destinationCidrBlock) ?? str(request.destinationIpv6CidrBlock);
      const via = field(
        'gatewayId',
        'natGatewayId',
        'transitGatewayId',
        'networkInterfaceId',
        'vpcPeeringConnectionId',
        'instanceId',
      )(request);
      return destination ? `${destination}${via ? ` via ${via}` : ''}` : undefined;
    },
  },
  {
    id: 'network.internet-gateway',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['CreateInternetGateway', 'AttachInternetGateway'],
    severity: 'SEV3',
    category: 'security',
    what: 'Internet gateway created or attached',
    target: (request, response) => str(request.internetGatewayId) ?? str(obj(response.internetGateway).internetGatewayId),
    change: (request) => (str(request.vpcId) ? `to ${str(request.vpcId)}` : undefined),
  },
  // S3 exposure
  {
    id: 's3.public-access-block-removed',
    eventSource: 's3.amazonaws.com',
    eventNames: [
      'DeletePublicAccessBlock',
      'PutPublicAccessBlock',
      'DeleteAccountPublicAccessBlock',
      'PutAccountPublicAccessBlock',
    ],
    severity: 'SEV2',
    category: 'security',
    what: 'S3 Block Public Access turned off',
    when: (request) => request.PublicAccessBlockConfiguration === undefined || weakensPublicAccessBlock(request),
    target: (request) => bucket(request) ?? 'account',
  },
  {
    id: 's3.bucket-policy-public',
    eventSource: 's3.amazonaws.com',
    eventNames: ['PutBucketPolicy'],
    severity: 'SEV2',
    category: 'security',
    what: 'S3 bucket policy allows everyone',
    when: (request) => policyAllowsEveryone(request.bucketPolicy),
    target: bucket,
  },
  {
    id: 's3.bucket-policy-changed',
    eventSource: 's3.amazonaws.com',
    eventNames: ['PutBucketPolicy', 'DeleteBucketPolicy'],
    severity: 'SEV4',
    category: 'security',
    what: 'S3 bucket policy changed',
    target: bucket,
  },
  {
    id: 's3.bucket-acl-public',
    eventSource: 's3.amazonaws.com',
    eventNames: ['PutBucketAcl'],
    severity: 'SEV2',
    category: 'security',
    what: 'S3 bucket ACL grants public access',
    when: aclIsPublic,
    target: bucket,
  },
  // KMS
  {
    id: 'kms.key-disabled',
    eventSource: 'kms.amazonaws.com',
    eventNames: ['DisableKey', 'ScheduleKeyDeletion'],
    severity: 'SEV2',
    category: 'security',
    what: 'KMS key disabled or scheduled for deletion',
    target: keyTarget,
    change: (request) =>
      request.pendingWindowInDays !== undefined ? `deletion in ${str(request.pendingWindowInDays)} days` : undefined,
  },
  {
    id: 'kms.key-policy-changed',
    eventSource: 'kms.amazonaws.com',
    eventNames: ['PutKeyPolicy'],
    severity: 'SEV3',
    category: 'security',
    what: 'KMS key policy changed',
    target: keyTarget,
  },
  // Detection and logging turned off
  {
    id: 'logging.cloudtrail-stopped',
    eventSource: 'cloudtrail.amazonaws.com',
    eventNames: ['StopLogging', 'DeleteTrail'],
    severity: 'SEV1',
    category: 'security',
    what: 'CloudTrail logging stopped',
    target: field('name'),
  },
  {
    id: 'logging.cloudtrail-changed',
    eventSource: 'cloudtrail.amazonaws.com',
    eventNames: ['UpdateTrail', 'PutEventSelectors', 'PutAdvancedEventSelectors'],
    severity: 'SEV3',
    category: 'security',
    what: 'CloudTrail trail changed',
    target: field('name', 'trailName'),
  },
  {
    id: 'detection.guardduty-disabled',
    eventSource: 'guardduty.amazonaws.com',
    eventNames: ['DeleteDetector', 'UpdateDetector', 'DisassociateFromMasterAccount', 'DisassociateFromAdministratorAccount'],
    severity: 'SEV1',
    category: 'security',
    what: 'GuardDuty turned off',
    when: (request) => request.enable !== true,
    target: field('detectorId'),
  },
  {
    id: 'detection.securityhub-disabled',
    eventSource: 'securityhub.amazonaws.com',
    eventNames: ['DisableSecurityHub', 'BatchDisableStandards'],
    severity: 'SEV2',
    category: 'security',
    what: 'Security Hub or a standard turned off',
    target: () => 'securityhub',
  },
  {
    id: 'detection.config-stopped',
    eventSource: 'config.amazonaws.com',
    eventNames: ['StopConfigurationRecorder', 'DeleteConfigurationRecorder', 'DeleteDeliveryChannel'],
    severity: 'SEV2',
    category: 'security',
    what: 'AWS Config recording stopped',
    target: field('configurationRecorderName', 'deliveryChannelName'),
  },
  // Organizations (arrive in us-east-1)
  {
    id: 'organizations.left',
    eventSource: 'organizations.amazonaws.com',
    eventNames: ['LeaveOrganization', 'RemoveAccountFromOrganization'],
    severity: 'SEV1',
    category: 'security',
    what: 'Account left the organization',
    target: field('accountId'),
  },
  {
    id: 'organizations.policy-changed',
    eventSource: 'organizations.amazonaws.com',
    eventNames: ['CreatePolicy', 'UpdatePolicy', 'DeletePolicy', 'AttachPolicy', 'DetachPolicy'],
    severity: 'SEV2',
    category: 'security',
    what: 'Organizations policy (SCP) changed',
    target: field('policyId', 'name'),
    change: field('targetId'),
  },
];

/** The event names each event source is watched for: the EventBridge rule patterns are built from this. */
export function watchedEventNames(): ReadonlyMap<string, readonly string[]> {
  const bySource = new Map<string, string[]>();
  for (const action of WATCHED_ACTIONS) {
    const names = bySource.get(action.eventSource) ?? [];
    for (const name of action.eventNames) if (!names.includes(name)) names.push(name);
    bySource.set(action.eventSource, names);
  }
  return bySource;
}

/** The watched action a successful call is, or undefined when it is not watched (or, like re-enabling, harmless). */
export function watchedAction(eventSource: string, eventName: string, request: Json): WatchedAction | undefined {
  return WATCHED_ACTIONS.find(
    (action) =>
      action.eventSource === eventSource && action.eventNames.includes(eventName) && (!action.when || action.when(request)),
  );
}

/** Signals about who did something that no catalog entry names (root use, console sign-ins, failures). */
export const ACTOR_WATCHES = {
  'root.used': { severity: 'SEV2', category: 'security', what: 'Root account used' },
  'signin.root': { severity: 'SEV2', category: 'security', what: 'Root console sign-in' },
  'signin.no-mfa': { severity: 'SEV3', category: 'security', what: 'Console sign-in without MFA' },
  // Only a burst reaches classification (watch.signinFailures): worth a look the same day.
  'signin.failed': { severity: 'SEV3', category: 'security', what: 'Failed console sign-ins' },
  'failed-attempts': { severity: 'SEV4', category: 'security', what: 'Refused attempts at watched changes' },
  'config.noncompliant': { severity: 'SEV3', category: 'compliance', what: 'AWS Config rule non-compliant' },
} as const satisfies Record<string, Pick<WatchedAction, 'severity' | 'category' | 'what'>>;
export type ActorWatch = keyof typeof ACTOR_WATCHES;

/** Default severity and category of any watch id. */
export function watchDefaults(id: string): Pick<WatchedAction, 'severity' | 'category'> | undefined {
  return WATCHED_ACTIONS.find((action) => action.id === id) ?? ACTOR_WATCHES[id as ActorWatch];
}
