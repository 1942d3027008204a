/**
 * Reading CloudTrail's free-form `requestParameters`: security group rules, bucket policies and
 * ACLs, Block Public Access settings. Pure.
 */
import type { Json } from './cloudtrail-watch.ts';

export const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() ? value.trim() : typeof value === 'number' ? String(value) : undefined;
export const field =
  (...names: string[]) =>
  (request: Json): string | undefined =>
    names.map((name) => str(request[name])).find(Boolean);
export const obj = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});
/** CloudTrail renders EC2 lists as `{ items: [...] }`; some calls send plain arrays. */
export const items = (value: unknown): Json[] => {
  const list = Array.isArray(value) ? value : Array.isArray(obj(value).items) ? (obj(value).items as unknown[]) : [];
  return list.map(obj);
};

// --- Security group rules -------------------------------------------------------------------------

const WORLD_CIDRS = ['0.0.0.0/0', '::/0'];
/** Ports whose exposure to the world is an emergency: SSH, RDP, and common databases and admin consoles. */
export const ADMIN_PORTS = [22, 3389, 3306, 5432, 1433, 1521, 6379, 9200, 27017];

interface PermissionRule {
  readonly protocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly source: string;
}

/** The rules an Authorize/Revoke call carries, from either request shape CloudTrail records. */
export function permissionRules(request: Json): PermissionRule[] {
  const permissions = items(request.ipPermissions);
  // The legacy single-rule form: cidrIp/ipProtocol/fromPort/toPort at the top level.
  if (permissions.length === 0 && (request.cidrIp !== undefined || request.ipProtocol !== undefined)) permissions.push(request);
  return permissions.flatMap((permission) => {
    const protocol = str(permission.ipProtocol) ?? 'all';
    const port = (value: unknown) => (typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : undefined);
    const base = {
      protocol: protocol === '-1' ? 'all' : protocol,
      fromPort: port(permission.fromPort),
      toPort: port(permission.toPort),
    };
    const sources = [
      ...items(permission.ipRanges).map((r) => str(r.cidrIp)),
      ...items(permission.ipv6Ranges).map((r) => str(r.cidrIpv6)),
      ...items(permission.prefixListIds).map((r) => str(r.prefixListId)),
      ...items(permission.groups).map((r) => str(r.groupId)),
      str(permission.cidrIp),
    ].filter((s): s is string => !!s);
    return sources.map((source) => ({ ...base, source }));
  });
}

const coversPort = (rule: PermissionRule, port: number) =>
  rule.protocol === 'all' ||
  rule.fromPort === undefined ||
  rule.fromPort === -1 ||
  (rule.fromPort <= port && port <= (rule.toPort ?? rule.fromPort));

export const openToWorld = (request: Json) => permissionRules(request).filter((rule) => WORLD_CIDRS.includes(rule.source));
export const openToWorldOnAdminPort = (request: Json) =>
  openToWorld(request).some((rule) => ADMIN_PORTS.some((port) => rule.protocol !== 'icmp' && coversPort(rule, port)));

/** `tcp/22 from 0.0.0.0/0`, one per rule, the world-open ones first. */
export function describeRules(request: Json): string | undefined {
  const rules = permissionRules(request);
  if (rules.length === 0) return undefined;
  const ports = (rule: PermissionRule) =>
    rule.protocol === 'all' || rule.fromPort === undefined || rule.fromPort === -1
      ? rule.protocol
      : rule.toPort !== undefined && rule.toPort !== rule.fromPort
        ? `${rule.protocol}/${rule.fromPort}-${rule.toPort}`
        : `${rule.protocol}/${rule.fromPort}`;
  const world = (rule: PermissionRule) => (WORLD_CIDRS.includes(rule.source) ? 0 : 1);
  return [...rules]
    .sort((a, b) => world(a) - world(b))
    .map((rule) => `${ports(rule)} from ${rule.source}`)
    .join(', ');
}

export const groupTarget = (request: Json) =>
  field('groupId', 'groupName')(request) ?? str(obj(request.ModifySecurityGroupRulesRequest).GroupId);

// --- S3 exposure ---------------------------------------------------------------------------------

/** A bucket policy statement that allows everyone (`"Principal": "*"` or `{"AWS": "*"}`) without a condition. */
export function policyAllowsEveryone(policy: unknown): boolean {
  const document = typeof policy === 'string' ? safeParse(policy) : policy;
  const statements = obj(document).Statement;
  const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
  return list.map(obj).some((statement) => {
    if (statement.Effect !== 'Allow' || statement.Condition !== undefined) return false;
    const principal = statement.Principal;
    const aws = obj(principal).AWS;
    return principal === '*' || aws === '*' || (Array.isArray(aws) && aws.includes('*'));
  });
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const PUBLIC_GRANTEES = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/;
export const aclIsPublic = (request: Json) =>
  PUBLIC_GRANTEES.test(JSON.stringify(request.AccessControlPolicy ?? {})) ||
  /^public-read/.test(str(request['x-amz-acl']) ?? '') ||
  /AllUsers|AuthenticatedUsers/.test(str(request['x-amz-grant-read']) ?? '');

/** A PutPublicAccessBlock that turns at least one of the four protections off. */
export const weakensPublicAccessBlock = (request: Json) => {
  const config = obj(request.PublicAccessBlockConfiguration);
  return ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'].some(
    (name) => config[name] === false,
  );
};

export const bucket = field('bucketName');
export const userTarget = field('userName', 'roleName', 'groupName');
export const keyTarget = field('keyId');
