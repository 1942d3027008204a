/**
 * The resources a watched change names beyond its target, typed (`iam-user/alice`,
 * `security-group-rule/sgr-…`), so a catalog entry answering the change can take its parameters
 * from the incident (`fromIncident` patterns) instead of someone typing them mid-incident. Pure.
 */
import { items, obj, str } from './cloudtrail-request.ts';
import type { Json } from './cloudtrail-watch.ts';

/** At most this many rules of one AuthorizeSecurityGroupIngress call are named (the incident keeps 1 KB of resources). */
const MAX_RULES = 5;

export interface ChangeFacts {
  readonly eventName: string;
  readonly request: Json;
  readonly response: Json;
  /** `userIdentity.type`, `userName` and `accessKeyId` of the caller. */
  readonly actor: {
    readonly type?: string | undefined;
    readonly userName?: string | undefined;
    readonly accessKeyId?: string | undefined;
  };
}

/**
 * What a response runbook needs, in the order a catalog entry should take them: what the call
 * created or changed first, then the caller's own long-term key (a leaked key is deactivated).
 */
export function respondableResources(facts: ChangeFacts): string[] {
  const { eventName, request, response, actor } = facts;
  const named: (string | undefined)[] = [];
  switch (eventName) {
    case 'AuthorizeSecurityGroupIngress':
      for (const rule of items(obj(response).securityGroupRuleSet).slice(0, MAX_RULES))
        if (rule.isEgress !== true) named.push(prefixed('security-group-rule', str(rule.securityGroupRuleId)));
      break;
    case 'CreateAccessKey': {
      const key = obj(response.accessKey);
      named.push(
        prefixed('iam-user', str(key.userName) ?? str(request.userName)),
        prefixed('iam-access-key', str(key.accessKeyId)),
      );
      break;
    }
    case 'AttachRolePolicy':
      named.push(prefixed('iam-role', str(request.roleName)), prefixed('iam-policy', str(request.policyArn)));
      break;
    case 'DeletePublicAccessBlock':
    case 'PutPublicAccessBlock':
      named.push(prefixed('s3-bucket', str(request.bucketName)));
      break;
    case 'StopLogging':
      named.push(prefixed('cloudtrail-trail', str(request.name)));
      break;
  }
  if (actor.type === 'IAMUser' && actor.accessKeyId?.startsWith('AKIA'))
    named.push(prefixed('iam-user', actor.userName), prefixed('iam-access-key', actor.accessKeyId));
  return [...new Set(named.filter((resource): resource is string => resource !== undefined))];
}

const prefixed = (kind: string, value: string | undefined) => (value ? `${kind}/${value.slice(0, 200)}` : undefined);
