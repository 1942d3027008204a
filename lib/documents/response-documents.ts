import { ROLE_ARN_PATTERN, type AutomationDocumentContent, type DocumentParameter, type ShippedDocument } from './document.ts';

/**
 * The runbooks that answer a watched change (schema 0.3, one `aws:executeAwsApi` call each, as the
 * automation role): they act on the resource their parameters name, which Firebreak pre-fills from
 * the incident's signal (catalog `fromIncident`), never on instances. AWS-managed runbooks cover
 * what they can (S3 Block Public Access: `AWS-DisableS3BucketPublicReadWrite`); these cover the rest.
 */

/** Patterns of the values these runbooks take (IAM's own character sets and lengths). */
export const SECURITY_GROUP_ID_PATTERN = '^sg-[0-9a-f]{8,17}$';
export const SECURITY_GROUP_RULE_ID_PATTERN = '^sgr-[0-9a-f]{8,17}$';
export const IAM_USER_NAME_PATTERN = '^[A-Za-z0-9+=,.@_-]{1,64}$';
export const ACCESS_KEY_ID_PATTERN = '^AKIA[A-Z0-9]{12,124}$';
export const IAM_ROLE_NAME_PATTERN = '^[A-Za-z0-9+=,.@_-]{1,64}$';
export const POLICY_ARN_PATTERN = '^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]{1,512}$';
export const TRAIL_NAME_PATTERN = '^(arn:aws[a-z-]*:cloudtrail:[a-z0-9-]{1,32}:[0-9]{12}:trail/)?[A-Za-z0-9._-]{3,128}$';

const parameter = (description: string, allowedPattern: string): DocumentParameter => ({
  type: 'String',
  description,
  allowedPattern,
});

function apiRunbook(input: {
  readonly name: string;
  readonly description: string;
  readonly automationRoleArn: string;
  readonly parameters: Record<string, DocumentParameter>;
  readonly service: string;
  readonly api: string;
  readonly call: Readonly<Record<string, unknown>>;
  readonly permissions: readonly string[];
}): ShippedDocument {
  const content: AutomationDocumentContent = {
    schemaVersion: '0.3',
    description: input.description,
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: {
      ...input.parameters,
      AutomationAssumeRole: {
        type: 'String',
        description: "The role the runbook runs as (Firebreak always passes the stack's automation role)",
        allowedPattern: ROLE_ARN_PATTERN,
        default: input.automationRoleArn,
      },
    },
    mainSteps: [
      {
        name: input.api,
        action: 'aws:executeAwsApi',
        timeoutSeconds: 120,
        onFailure: 'Abort',
        isEnd: true,
        inputs: { Service: input.service, Api: input.api, ...input.call },
      },
    ],
    outputs: [],
  };
  return { name: input.name, documentType: 'Automation', content, permissions: input.permissions };
}

export function revokeSecurityGroupIngressDocument(automationRoleArn: string): ShippedDocument {
  return apiRunbook({
    name: 'Firebreak-RevokeSecurityGroupIngress',
    description:
      '# Firebreak revoke-ingress\n\nRevokes one security group ingress rule by its id (the rule an AuthorizeSecurityGroupIngress call created, as CloudTrail reports it). Other rules of the group are untouched.',
    automationRoleArn,
    parameters: {
      GroupId: parameter('The security group', SECURITY_GROUP_ID_PATTERN),
      SecurityGroupRuleId: parameter('The ingress rule to revoke', SECURITY_GROUP_RULE_ID_PATTERN),
    },
    service: 'ec2',
    api: 'RevokeSecurityGroupIngress',
    call: { GroupId: '{{ GroupId }}', SecurityGroupRuleIds: ['{{ SecurityGroupRuleId }}'] },
    permissions: ['ec2:RevokeSecurityGroupIngress'],
  });
}

const accessKeyDocument = (automationRoleArn: string, status: 'Inactive' | 'Active'): ShippedDocument =>
  apiRunbook({
    name: status === 'Inactive' ? 'Firebreak-DeactivateAccessKey' : 'Firebreak-ReactivateAccessKey',
    description:
      status === 'Inactive'
        ? "# Firebreak deactivate-access-key\n\nMakes an IAM user's access key inactive: every request signed with it is refused from then on. The key is kept, so it can be made active again (Firebreak-ReactivateAccessKey)."
        : "# Firebreak reactivate-access-key\n\nMakes an IAM user's access key active again (undoes Firebreak-DeactivateAccessKey).",
    automationRoleArn,
    parameters: {
      UserName: parameter('The IAM user owning the key', IAM_USER_NAME_PATTERN),
      AccessKeyId: parameter('The long-term access key (AKIA…)', ACCESS_KEY_ID_PATTERN),
    },
    service: 'iam',
    api: 'UpdateAccessKey',
    call: { UserName: '{{ UserName }}', AccessKeyId: '{{ AccessKeyId }}', Status: status },
    permissions: ['iam:UpdateAccessKey'],
  });

export const deactivateAccessKeyDocument = (automationRoleArn: string) => accessKeyDocument(automationRoleArn, 'Inactive');
export const reactivateAccessKeyDocument = (automationRoleArn: string) => accessKeyDocument(automationRoleArn, 'Active');

export function detachRolePolicyDocument(automationRoleArn: string): ShippedDocument {
  return apiRunbook({
    name: 'Firebreak-DetachRolePolicy',
    description:
      '# Firebreak detach-role-policy\n\nDetaches one managed policy from one IAM role (the attachment a watched AttachRolePolicy made).',
    automationRoleArn,
    parameters: {
      RoleName: parameter('The IAM role', IAM_ROLE_NAME_PATTERN),
      PolicyArn: parameter('The managed policy to detach', POLICY_ARN_PATTERN),
    },
    service: 'iam',
    api: 'DetachRolePolicy',
    call: { RoleName: '{{ RoleName }}', PolicyArn: '{{ PolicyArn }}' },
    permissions: ['iam:DetachRolePolicy'],
  });
}

export function startCloudTrailLoggingDocument(automationRoleArn: string): ShippedDocument {
  return apiRunbook({
    name: 'Firebreak-StartCloudTrailLogging',
    description:
      '# Firebreak start-cloudtrail-logging\n\nStarts logging on a trail that StopLogging stopped (a deleted trail cannot be restarted).',
    automationRoleArn,
    parameters: { TrailName: parameter('The trail (name or ARN)', TRAIL_NAME_PATTERN) },
    service: 'cloudtrail',
    api: 'StartLogging',
    call: { Name: '{{ TrailName }}' },
    permissions: ['cloudtrail:StartLogging'],
  });
}

export function responseDocuments(automationRoleArn: string): ShippedDocument[] {
  return [
    revokeSecurityGroupIngressDocument(automationRoleArn),
    deactivateAccessKeyDocument(automationRoleArn),
    reactivateAccessKeyDocument(automationRoleArn),
    detachRolePolicyDocument(automationRoleArn),
    startCloudTrailLoggingDocument(automationRoleArn),
  ];
}
