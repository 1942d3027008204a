/**
 * Signal normalizers for AWS sources on the default bus: CloudWatch alarms, GuardDuty, Security Hub,
 * Amazon Inspector, AWS Health and EC2 instance state changes. Pure.
 */
import * as z from '../zod.ts';
import type { SeverityHint } from '../config.ts';
import {
  isPlatformAlarmName,
  PLATFORM_DEFAULTS,
  PLATFORM_SOURCE,
  platformTitle,
  platformWatchOf,
} from '../platform/platform-alarms.ts';
import { parseCompiled } from './normalize.ts';
import type { EventEnvelope, Signal } from './signal.ts';
import { signal, type SignalNormalizer } from './signal-draft.ts';

// --- CloudWatch alarms -----------------------------------------------------------------------

const AlarmDetail = z.object({
  alarmName: z.string().check(z.minLength(1)),
  state: z.object({ value: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']), reason: z.optional(z.string()) }),
  configuration: z.optional(
    z.object({
      description: z.optional(z.string()),
      metrics: z.optional(
        z.array(
          z.object({
            metricStat: z.optional(
              z.object({
                metric: z.object({
                  namespace: z.optional(z.string()),
                  name: z.optional(z.string()),
                  dimensions: z.optional(z.record(z.string(), z.string())),
                }),
              }),
            ),
          }),
        ),
      ),
    }),
  ),
});

function normalizeAlarm(event: EventEnvelope, observedAt: string): Signal[] {
  const detail = parseCompiled(AlarmDetail, event.detail, 'detail');
  const metric = detail.configuration?.metrics?.find((m) => m.metricStat)?.metricStat?.metric;
  const alarmArn = event.resources[0] ?? `arn:aws:cloudwatch:${event.region}:${event.account}:alarm:${detail.alarmName}`;
  const instances = Object.entries(metric?.dimensions ?? {})
    .filter(([name]) => name === 'InstanceId')
    .map(([, value]) => value.trim());
  const stateValue = detail.state.value;
  if (isPlatformAlarmName(detail.alarmName)) return [platformAlarmSignal(event, observedAt, detail, metric, alarmArn)];
  return [
    signal({
      source: event.source,
      kind: 'alarm',
      subject: alarmArn,
      title: `CloudWatch alarm ${detail.alarmName}`,
      description: detail.configuration?.description || detail.state.reason,
      account: event.account,
      region: event.region,
      resources: [alarmArn, ...instances],
      severityHint: stateValue === 'ALARM' ? 'medium' : 'low',
      observedAt,
      state: stateValue === 'OK' ? 'recovered' : 'firing',
      attributes: { alarmName: detail.alarmName, namespace: metric?.namespace, metricName: metric?.name, stateValue },
      url: `https://${event.region}.console.aws.amazon.com/cloudwatch/home?region=${event.region}#alarmsV2:alarm/${encodeURIComponent(detail.alarmName)}`,
    }),
  ];
}

/** The dimension that names what a platform alarm watches: the queue or the function. */
const PLATFORM_RESOURCE_DIMENSIONS = ['QueueName', 'FunctionName'];

/**
 * One of Firebreak's own alarms (recognised by its name prefix): a `firebreak.platform` signal
 * whose kind is what the alarm watches, read from its metric (dead letters, errors, throttles,
 * iterator age), and whose subject is the alarm ARN, so repeated state changes of one alarm dedup
 * into one incident however often the alarm flaps.
 */
function platformAlarmSignal(
  event: EventEnvelope,
  observedAt: string,
  detail: z.infer<typeof AlarmDetail>,
  metric:
    { namespace?: string | undefined; name?: string | undefined; dimensions?: Record<string, string> | undefined } | undefined,
  alarmArn: string,
): Signal {
  const watch = platformWatchOf(metric?.namespace, metric?.name);
  const resource = PLATFORM_RESOURCE_DIMENSIONS.map((name) => metric?.dimensions?.[name]?.trim()).find(Boolean);
  const stateValue = detail.state.value;
  return signal({
    source: PLATFORM_SOURCE,
    kind: watch,
    subject: alarmArn,
    title: platformTitle(watch, resource, detail.alarmName),
    description: detail.configuration?.description || detail.state.reason,
    account: event.account,
    region: event.region,
    resources: [alarmArn, resource],
    severityHint: stateValue === 'ALARM' ? PLATFORM_DEFAULTS[watch].hint : 'low',
    observedAt,
    state: stateValue === 'OK' ? 'recovered' : 'firing',
    attributes: { alarmName: detail.alarmName, namespace: metric?.namespace, metricName: metric?.name, stateValue, resource },
    url: `https://${event.region}.console.aws.amazon.com/cloudwatch/home?region=${event.region}#alarmsV2:alarm/${encodeURIComponent(detail.alarmName)}`,
  });
}

// --- GuardDuty ---------------------------------------------------------------------------------

const GuardDutyDetail = z.object({
  id: z.string().check(z.minLength(1)),
  arn: z.optional(z.string()),
  type: z.string().check(z.minLength(1)),
  severity: z.number().check(z.gte(0), z.lte(10)),
  title: z.string().check(z.trim(), z.minLength(1)),
  description: z.optional(z.string()),
  resource: z.object({
    resourceType: z.string().check(z.minLength(1)),
    instanceDetails: z.optional(z.object({ instanceId: z.optional(z.string()) })),
    accessKeyDetails: z.optional(z.object({ accessKeyId: z.optional(z.string()), userName: z.optional(z.string()) })),
  }),
  service: z.optional(z.object({ archived: z.optional(z.boolean()) })),
});

function guardDutySeverity(score: number): SeverityHint {
  // https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}

function normalizeGuardDuty(event: EventEnvelope, observedAt: string): Signal[] {
  const detail = parseCompiled(GuardDutyDetail, event.detail, 'detail');
  const instanceId = detail.resource.instanceDetails?.instanceId?.trim();
  const accessKeyId = detail.resource.accessKeyDetails?.accessKeyId;
  const subject = instanceId || accessKeyId || detail.id;
  return [
    signal({
      source: event.source,
      kind: detail.type,
      subject,
      title: detail.title,
      description: detail.description,
      account: event.account,
      region: event.region,
      resources: [instanceId, detail.arn, ...event.resources],
      severityHint: guardDutySeverity(detail.severity),
      observedAt,
      state: detail.service?.archived ? 'recovered' : 'firing',
      attributes: {
        findingType: detail.type,
        resourceType: detail.resource.resourceType,
        findingId: detail.id,
        score: String(detail.severity),
      },
      url: `https://${event.region}.console.aws.amazon.com/guardduty/home?region=${event.region}#/findings?fId=${encodeURIComponent(detail.id)}`,
    }),
  ];
}

// --- Security Hub ------------------------------------------------------------------------------

const AsffFinding = z.object({
  Id: z.string().check(z.minLength(1)),
  ProductArn: z.optional(z.string()),
  ProductName: z.optional(z.string()),
  GeneratorId: z.optional(z.string()),
  Types: z.optional(z.array(z.string())),
  Title: z.string().check(z.trim(), z.minLength(1)),
  Description: z.optional(z.string()),
  Severity: z.object({
    Label: z.optional(z.enum(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'])),
    Normalized: z.optional(z.number()),
  }),
  Resources: z.array(z.object({ Type: z.string(), Id: z.string().check(z.minLength(1)) })).check(z.minLength(1)),
  ProductFields: z.optional(z.record(z.string(), z.string())),
  Compliance: z.optional(z.object({ Status: z.optional(z.string()), SecurityControlId: z.optional(z.string()) })),
  Workflow: z.optional(z.object({ Status: z.optional(z.string()) })),
  RecordState: z.optional(z.string()),
  SourceUrl: z.optional(z.string()),
});
const SecurityHubDetail = z.object({ findings: z.array(AsffFinding).check(z.minLength(1), z.maxLength(100)) });

function securityHubSeverity(severity: z.infer<typeof AsffFinding>['Severity']): SeverityHint {
  if (severity.Label) return severity.Label.toLowerCase() as SeverityHint;
  const score = severity.Normalized ?? 0;
  if (score >= 90) return 'critical';
  if (score >= 70) return 'high';
  if (score >= 40) return 'medium';
  if (score >= 1) return 'low';
  return 'informational';
}

function normalizeSecurityHub(event: EventEnvelope, observedAt: string): Signal[] {
  const detail = parseCompiled(SecurityHubDetail, event.detail, 'detail');
  return detail.findings.map((finding) => {
    const productName =
      finding.ProductName ?? finding.ProductFields?.['aws/securityhub/ProductName'] ?? finding.ProductArn?.split('/').pop();
    const control = finding.Compliance?.SecurityControlId ?? finding.ProductFields?.ControlId;
    const resolved =
      finding.RecordState === 'ARCHIVED' ||
      finding.Workflow?.Status === 'RESOLVED' ||
      finding.Workflow?.Status === 'SUPPRESSED' ||
      finding.Compliance?.Status === 'PASSED';
    return signal({
      source: event.source,
      kind: control ?? finding.Types?.[0] ?? finding.GeneratorId ?? 'finding',
      subject: finding.Resources[0]!.Id,
      title: finding.Title,
      description: finding.Description,
      account: event.account,
      region: event.region,
      resources: finding.Resources.map((r) => r.Id),
      severityHint: securityHubSeverity(finding.Severity),
      observedAt,
      state: resolved ? 'recovered' : 'firing',
      attributes: {
        productName,
        generatorId: finding.GeneratorId,
        types: finding.Types?.join(','),
        complianceStatus: finding.Compliance?.Status,
        controlId: control,
        findingId: finding.Id,
      },
      url: finding.SourceUrl ?? finding.ProductFields?.RecommendationUrl,
    });
  });
}

// --- Amazon Inspector --------------------------------------------------------------------------

const InspectorDetail = z.object({
  findingArn: z.string().check(z.minLength(1)),
  type: z.string().check(z.minLength(1)),
  title: z.string().check(z.trim(), z.minLength(1)),
  description: z.optional(z.string()),
  severity: z.enum(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'UNTRIAGED']),
  status: z.enum(['ACTIVE', 'SUPPRESSED', 'CLOSED']),
  fixAvailable: z.optional(z.string()),
  exploitAvailable: z.optional(z.string()),
  packageVulnerabilityDetails: z.optional(z.object({ vulnerabilityId: z.string().check(z.minLength(1)) })),
  resources: z.array(z.object({ id: z.string().check(z.minLength(1)), type: z.string() })).check(z.minLength(1)),
});

function normalizeInspector(event: EventEnvelope, observedAt: string): Signal[] {
  const detail = parseCompiled(InspectorDetail, event.detail, 'detail');
  const vulnerabilityId = detail.packageVulnerabilityDetails?.vulnerabilityId;
  return [
    signal({
      source: event.source,
      kind: detail.type,
      // One incident per vulnerability across the fleet, not one per instance: a critical CVE on 500
      // hosts is one emergency, and each host's CLOSED finding removes only that host.
      subject: vulnerabilityId ?? detail.findingArn,
      title: detail.title,
      description: detail.description,
      account: event.account,
      region: event.region,
      resources: detail.resources.map((r) => r.id),
      severityHint: detail.severity === 'UNTRIAGED' ? 'informational' : (detail.severity.toLowerCase() as SeverityHint),
      observedAt,
      state: detail.status === 'ACTIVE' ? 'firing' : 'recovered',
      attributes: {
        findingType: detail.type,
        vulnerabilityId,
        fixAvailable: detail.fixAvailable,
        exploitAvailable: detail.exploitAvailable,
        resourceType: detail.resources[0]?.type,
      },
      url: `https://${event.region}.console.aws.amazon.com/inspector/v2/home?region=${event.region}#/findings`,
    }),
  ];
}

// --- AWS Health --------------------------------------------------------------------------------

const HealthDetail = z.object({
  eventArn: z.string().check(z.minLength(1)),
  service: z.string().check(z.minLength(1)),
  eventTypeCode: z.string().check(z.minLength(1)),
  eventTypeCategory: z.string().check(z.minLength(1)),
  statusCode: z.optional(z.string()),
  eventDescription: z.optional(z.array(z.object({ latestDescription: z.string() }))),
  affectedEntities: z.optional(z.array(z.object({ entityValue: z.string() }))),
});

function normalizeHealth(event: EventEnvelope, observedAt: string): Signal[] {
  const detail = parseCompiled(HealthDetail, event.detail, 'detail');
  const severityHint: SeverityHint =
    detail.eventTypeCategory === 'issue' ? 'high' : detail.eventTypeCategory === 'scheduledChange' ? 'low' : 'informational';
  return [
    signal({
      source: event.source,
      kind: detail.eventTypeCode,
      subject: detail.eventArn,
      title: `AWS Health: ${detail.service} ${detail.eventTypeCode}`,
      description: detail.eventDescription?.[0]?.latestDescription,
      account: event.account,
      region: event.region,
      resources: [...(detail.affectedEntities ?? []).map((e) => e.entityValue), ...event.resources],
      severityHint,
      observedAt,
      state: detail.statusCode === 'closed' ? 'recovered' : 'firing',
      attributes: { service: detail.service, eventTypeCode: detail.eventTypeCode, eventTypeCategory: detail.eventTypeCategory },
      url: `https://health.aws.amazon.com/health/home#/account/event-log?eventID=${encodeURIComponent(detail.eventArn)}`,
    }),
  ];
}

// --- EC2 instance state ------------------------------------------------------------------------

const Ec2StateDetail = z.object({
  'instance-id': z.string().check(z.trim(), z.regex(/^i-[0-9a-f]{8,17}$/)),
  state: z.string().check(z.minLength(1)),
});

function normalizeEc2State(event: EventEnvelope, observedAt: string): Signal[] {
  const detail = parseCompiled(Ec2StateDetail, event.detail, 'detail');
  const instanceId = detail['instance-id'];
  return [
    signal({
      source: event.source,
      kind: 'instance-state',
      subject: instanceId,
      title: `EC2 instance ${instanceId} is ${detail.state}`,
      account: event.account,
      region: event.region,
      resources: [instanceId, ...event.resources],
      severityHint: 'low',
      observedAt,
      state: 'firing',
      attributes: { state: detail.state },
      url: `https://${event.region}.console.aws.amazon.com/ec2/home?region=${event.region}#InstanceDetails:instanceId=${instanceId}`,
    }),
  ];
}

/** The normalizer of each AWS source, keyed `<source>|<detail-type>`. */
export const AWS_SIGNAL_NORMALIZERS: Readonly<Record<string, SignalNormalizer>> = {
  'aws.cloudwatch|CloudWatch Alarm State Change': normalizeAlarm,
  'aws.guardduty|GuardDuty Finding': normalizeGuardDuty,
  'aws.securityhub|Security Hub Findings - Imported': normalizeSecurityHub,
  'aws.inspector2|Inspector2 Finding': normalizeInspector,
  'aws.health|AWS Health Event': normalizeHealth,
  'aws.ec2|EC2 Instance State-change Notification': normalizeEc2State,
};
