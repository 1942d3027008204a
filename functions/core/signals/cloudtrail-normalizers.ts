/**
 * Signal normalizers for CloudTrail management events delivered to EventBridge (`AWS API Call via
 * CloudTrail`, `AWS Console Sign In via CloudTrail`) and AWS Config compliance changes. Pure.
 *
 * A signal says who did what: the actor (principal ARN and type, access key, MFA, session issuer,
 * the AWS service acting for it), where from (source IP, user agent), the action, the target and
 * the change itself where the request carries it. Read-only calls and calls the watch list does
 * not name produce no signal. A refused call (an `errorCode`) is counted as an attempt by its
 * actor, never treated as a change.
 */
import * as z from '../zod.ts';
import type { SeverityHint } from '../config.ts';
import { ACTOR_WATCHES, watchedAction, type ActorWatch, type Json } from './cloudtrail-watch.ts';
import { respondableResources } from './cloudtrail-resources.ts';
import { parseCompiled } from './normalize.ts';
import type { EventEnvelope, Signal } from './signal.ts';
import { signal, type SignalNormalizer } from './signal-draft.ts';

const JsonObject = z.nullish(z.record(z.string(), z.unknown()));

const UserIdentity = z.object({
  type: z.optional(z.string()),
  principalId: z.optional(z.string()),
  arn: z.optional(z.string()),
  accountId: z.optional(z.string()),
  accessKeyId: z.optional(z.string()),
  userName: z.optional(z.string()),
  invokedBy: z.optional(z.string()),
  sessionContext: z.optional(
    z.partial(
      z.object({
        sessionIssuer: z.optional(z.partial(z.object({ type: z.optional(z.string()), arn: z.optional(z.string()) }))),
        attributes: z.optional(z.partial(z.object({ mfaAuthenticated: z.optional(z.string()) }))),
      }),
    ),
  ),
});

const CloudTrailDetail = z.object({
  eventSource: z.string().check(z.minLength(1)),
  eventName: z.string().check(z.minLength(1)),
  eventTime: z.optional(z.string()),
  awsRegion: z.optional(z.string()),
  userIdentity: z._default(UserIdentity, {}),
  sourceIPAddress: z.optional(z.string()),
  userAgent: z.optional(z.string()),
  requestParameters: JsonObject,
  responseElements: JsonObject,
  additionalEventData: JsonObject,
  errorCode: z.optional(z.string()),
  errorMessage: z.optional(z.string()),
  readOnly: z.optional(z.boolean()),
  eventID: z.optional(z.string()),
});
type CloudTrailDetail = z.infer<typeof CloudTrailDetail>;

/** Who did it, as the attributes every change signal carries (rules and allow-lists match on them). */
export interface Actor {
  readonly principalArn?: string;
  readonly principalType?: string;
  readonly accessKeyId?: string;
  readonly mfa?: 'yes' | 'no';
  readonly sessionIssuer?: string;
  readonly invokedBy?: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
}

export function actorOf(detail: CloudTrailDetail): Actor {
  const identity = detail.userIdentity;
  const mfaAttribute = identity.sessionContext?.attributes?.mfaAuthenticated;
  const mfaUsed = detail.additionalEventData?.MFAUsed;
  const mfa =
    mfaAttribute === 'true' || mfaUsed === 'Yes' ? 'yes' : mfaAttribute === 'false' || mfaUsed === 'No' ? 'no' : undefined;
  return {
    principalArn:
      identity.arn ?? (identity.type === 'Root' && identity.accountId ? `arn:aws:iam::${identity.accountId}:root` : undefined),
    principalType: identity.type,
    accessKeyId: identity.accessKeyId || undefined,
    mfa,
    sessionIssuer: identity.sessionContext?.sessionIssuer?.arn,
    invokedBy: identity.invokedBy,
    sourceIp: detail.sourceIPAddress,
    userAgent: detail.userAgent,
  };
}

/** The actor in one short phrase: `arn:aws:iam::1:user/alice (IAMUser, key AKIA…, MFA no) from 203.0.113.7 using aws-cli/2`. */
export function describeActor(actor: Actor): string {
  const who = actor.principalArn ?? actor.invokedBy ?? 'an unknown principal';
  const facts = [
    actor.principalType,
    actor.accessKeyId && `key ${actor.accessKeyId}`,
    actor.mfa && `MFA ${actor.mfa}`,
    actor.sessionIssuer && actor.sessionIssuer !== actor.principalArn && `session of ${actor.sessionIssuer}`,
    actor.invokedBy && actor.invokedBy !== who && `invoked by ${actor.invokedBy}`,
  ].filter(Boolean);
  return `${who}${facts.length ? ` (${facts.join(', ')})` : ''}${actor.sourceIp ? ` from ${actor.sourceIp}` : ''}${
    actor.userAgent ? ` using ${actor.userAgent}` : ''
  }`;
}

const HINT: Record<string, SeverityHint> = { SEV1: 'critical', SEV2: 'high', SEV3: 'medium', SEV4: 'low' };

interface ChangeSignal {
  readonly watch: string;
  readonly severity: string;
  readonly title: string;
  /** Dedup: actor + action + resource (or actor alone, for refused attempts). */
  readonly subject: string;
  readonly target?: string | undefined;
  readonly change?: string | undefined;
}

function changeSignal(
  event: EventEnvelope,
  observedAt: string,
  detail: CloudTrailDetail,
  change: ChangeSignal & { readonly kind?: string },
): Signal {
  const actor = actorOf(detail);
  const region = detail.awsRegion ?? event.region;
  const when = detail.eventTime ?? event.time;
  return signal({
    source: event.source,
    kind: change.kind ?? detail.eventName,
    subject: change.subject,
    title: change.title,
    description: `${detail.eventName} by ${describeActor(actor)}, in ${region} at ${when}.${
      change.change ? ` Change: ${change.change}.` : ''
    }${detail.errorCode ? ` Refused: ${detail.errorCode}${detail.errorMessage ? ` (${detail.errorMessage})` : ''}.` : ''}`,
    account: event.account,
    region,
    // The target first (shown and matched as before), then what a response runbook acts on.
    resources: [
      change.target,
      ...respondableResources({
        eventName: detail.eventName,
        request: detail.requestParameters ?? {},
        response: detail.responseElements ?? {},
        actor: detail.userIdentity,
      }),
    ],
    severityHint: HINT[change.severity] ?? 'medium',
    observedAt,
    state: 'firing',
    attributes: {
      watch: change.watch,
      eventSource: detail.eventSource,
      eventName: detail.eventName,
      principalArn: actor.principalArn,
      principalType: actor.principalType,
      accessKeyId: actor.accessKeyId,
      mfa: actor.mfa,
      sessionIssuer: actor.sessionIssuer,
      invokedBy: actor.invokedBy,
      sourceIp: actor.sourceIp,
      userAgent: actor.userAgent,
      target: change.target,
      change: change.change,
      errorCode: detail.errorCode,
      eventId: detail.eventID,
    },
    url: `https://${region}.console.aws.amazon.com/cloudtrailv2/home?region=${region}#/events/${encodeURIComponent(detail.eventID ?? '')}`,
  });
}

const actorKey = (actor: Actor) => actor.principalArn ?? actor.invokedBy ?? actor.sourceIp ?? 'unknown';

function normalizeApiCall(event: EventEnvelope, observedAt: string): Signal[] {
  const detail = parseCompiled(CloudTrailDetail, event.detail, 'detail');
  if (detail.readOnly === true) return [];
  const request: Json = detail.requestParameters ?? {};
  const response: Json = detail.responseElements ?? {};
  const actor = actorOf(detail);
  const action = watchedAction(detail.eventSource, detail.eventName, request);
  const root = detail.userIdentity.type === 'Root';
  if (!action && !root) return [];
  const target = action?.target?.(request, response);
  if (detail.errorCode) {
    const watch: ActorWatch = 'failed-attempts';
    return [
      changeSignal(event, observedAt, detail, {
        watch,
        // Whatever the actor tried, its refused attempts are one incident (kind is part of the fingerprint).
        kind: watch,
        severity: ACTOR_WATCHES[watch].severity,
        title: `${ACTOR_WATCHES[watch].what} by ${actorKey(actor)}: ${detail.errorCode} on ${detail.eventName}`,
        subject: `${watch}|${actorKey(actor)}`,
        target,
      }),
    ];
  }
  const change = action?.change?.(request, response);
  const subject = `${actorKey(actor)}|${detail.eventName}|${target ?? ''}`;
  // Root use outranks the action it did: whatever root changes is reported as root use, at least SEV2.
  const watch = action && !(root && action.severity > ACTOR_WATCHES['root.used'].severity) ? action.id : 'root.used';
  const what = watch === 'root.used' ? `${ACTOR_WATCHES['root.used'].what}: ${detail.eventName}` : action!.what;
  const severity = watch === 'root.used' ? ACTOR_WATCHES['root.used'].severity : action!.severity;
  return [
    changeSignal(event, observedAt, detail, {
      watch,
      severity,
      title: `${what}${target ? `: ${target}` : ''}${change ? ` (${change})` : ''}`,
      subject,
      target,
      change,
    }),
  ];
}

function normalizeConsoleSignIn(event: EventEnvelope, observedAt: string): Signal[] {
  const detail = parseCompiled(CloudTrailDetail, event.detail, 'detail');
  if (detail.eventName !== 'ConsoleLogin') return [];
  const actor = actorOf(detail);
  const result = detail.responseElements?.ConsoleLogin;
  const failed = result === 'Failure' || !!detail.errorMessage;
  const who = actor.principalArn ?? detail.userIdentity.userName ?? detail.userIdentity.principalId ?? 'unknown user';
  const type = detail.userIdentity.type;
  let watch: ActorWatch | undefined;
  if (failed) watch = 'signin.failed';
  else if (type === 'Root') watch = 'signin.root';
  // Federated and IAM Identity Center sign-ins report MFAUsed "No" even when the identity provider
  // required MFA, so only IAM users are judged by it.
  else if (type === 'IAMUser' && actor.mfa === 'no') watch = 'signin.no-mfa';
  if (!watch) return [];
  const spec = ACTOR_WATCHES[watch];
  return [
    changeSignal(event, observedAt, detail, {
      watch,
      severity: spec.severity,
      title: `${spec.what}: ${who}${failed && detail.errorMessage ? ` (${detail.errorMessage})` : ''}`,
      // One incident per user (ingest counts failures first and re-keys a burst by user name or source IP).
      subject: `${watch}|${who}`,
      target: who,
    }),
  ];
}

// --- AWS Config ----------------------------------------------------------------------------------

const ConfigComplianceDetail = z.object({
  configRuleName: z.string().check(z.minLength(1)),
  resourceId: z.optional(z.string()),
  resourceType: z.optional(z.string()),
  configRuleARN: z.optional(z.string()),
  newEvaluationResult: z.object({
    complianceType: z.string().check(z.minLength(1)),
    annotation: z.optional(z.string()),
    evaluationResultIdentifier: z.optional(
      z.partial(
        z.object({
          evaluationResultQualifier: z.optional(
            z.partial(z.object({ resourceId: z.optional(z.string()), resourceType: z.optional(z.string()) })),
          ),
        }),
      ),
    ),
  }),
});

function normalizeConfigCompliance(event: EventEnvelope, observedAt: string): Signal[] {
  const detail = parseCompiled(ConfigComplianceDetail, event.detail, 'detail');
  const result = detail.newEvaluationResult;
  const qualifier = result.evaluationResultIdentifier?.evaluationResultQualifier;
  const resourceId = detail.resourceId ?? qualifier?.resourceId ?? 'account';
  const resourceType = detail.resourceType ?? qualifier?.resourceType;
  const compliance = result.complianceType;
  // NOT_APPLICABLE and INSUFFICIENT_DATA say nothing about the resource either way.
  if (compliance !== 'NON_COMPLIANT' && compliance !== 'COMPLIANT') return [];
  const watch: ActorWatch = 'config.noncompliant';
  return [
    signal({
      source: event.source,
      kind: detail.configRuleName,
      subject: `${resourceType ?? ''}|${resourceId}`,
      title: `AWS Config rule ${detail.configRuleName}: ${resourceType ? `${resourceType} ` : ''}${resourceId} is ${compliance}`,
      description: result.annotation,
      account: event.account,
      region: event.region,
      resources: [resourceId],
      severityHint: HINT[ACTOR_WATCHES[watch].severity] ?? 'medium',
      observedAt,
      state: compliance === 'COMPLIANT' ? 'recovered' : 'firing',
      attributes: { watch, configRuleName: detail.configRuleName, resourceType, resourceId, complianceType: compliance },
      url: `https://${event.region}.console.aws.amazon.com/config/home?region=${event.region}#/rules/details?configRuleName=${encodeURIComponent(detail.configRuleName)}`,
    }),
  ];
}

/** CloudTrail delivers API calls under each service's own source (`aws.iam`, `aws.ec2`...): keyed by detail-type. */
export const CLOUDTRAIL_DETAIL_TYPES = {
  apiCall: 'AWS API Call via CloudTrail',
  consoleSignIn: 'AWS Console Sign In via CloudTrail',
} as const;

export const CONFIG_NORMALIZERS: Readonly<Record<string, SignalNormalizer>> = {
  'aws.config|Config Rules Compliance Change': normalizeConfigCompliance,
};

/** The normalizer of a CloudTrail delivery, whatever service source it carries, or undefined. */
export function cloudTrailNormalizer(detailType: string): SignalNormalizer | undefined {
  if (detailType === CLOUDTRAIL_DETAIL_TYPES.apiCall) return normalizeApiCall;
  if (detailType === CLOUDTRAIL_DETAIL_TYPES.consoleSignIn) return normalizeConsoleSignIn;
  return undefined;
}
