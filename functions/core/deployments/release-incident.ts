/**
 * The release incident a failed deployment opens through ingest, and the recovery a later success
 * feeds it. Pure.
 */
import { CAPS, capText } from '../caps.ts';
import type { DeploymentsConfig, Severity, SeverityHint } from '../config.ts';
import { fingerprint, type Classification, type ClassifierConfig } from '../signals/classify.ts';
import type { Signal } from '../signals/signal.ts';
import { oneLine } from '../slack/text.ts';
import { DEFAULT_DEPLOYMENTS_CONFIG } from './deployment-environments.ts';
import { optional, type DeploymentRecord } from './deployment-record.ts';
import { DEPLOYMENT_SOURCE, SOURCE_NAMES } from './deployment-sources.ts';

/** Source and kind of the signals a failed deployment feeds into ingest. */
export const DEPLOYMENT_SIGNAL = { source: DEPLOYMENT_SOURCE, kind: 'deployment-failed' } as const;

export interface FailedDeploymentIncident {
  /** A signal for the existing ingest path: source `firebreak.deploy`, kind `deployment-failed`, subject `<service>/<environment>`. */
  readonly signal: Signal;
  readonly title: string;
  readonly severity: Severity;
  readonly category: 'release';
  readonly subject: string;
  readonly resources: readonly string[];
}

const HINT_OF: Record<Severity, SeverityHint> = { SEV1: 'critical', SEV2: 'high', SEV3: 'medium', SEV4: 'low' };

/**
 * The release incident a failed deployment opens, or undefined when it is not a failure or its
 * environment has no incident severity (config `deployments.incidentSeverity`: production SEV2,
 * staging SEV4 by default). Repeated failures of one service in one environment share a subject, so
 * they count on one open incident.
 */
export function incidentForFailedDeployment(
  record: DeploymentRecord,
  config: Pick<DeploymentsConfig, 'incidentSeverity'> = DEFAULT_DEPLOYMENTS_CONFIG,
): FailedDeploymentIncident | undefined {
  if (record.status !== 'failed') return undefined;
  const severity = config.incidentSeverity[record.environment];
  if (!severity) return undefined;
  const subject = `${record.service}/${record.environment}`;
  const title = capText(
    `Deployment of ${record.service} ${oneLine(record.version)} to ${record.environment} failed`,
    CAPS.titleBytes,
  );
  const resources = [...new Set([...record.resources, record.id])];
  const description = capText(
    `${SOURCE_NAMES[record.source] ?? record.source} reported ${oneLine(record.sourceStatus)}${record.reason ? `: ${oneLine(record.reason)}` : '.'}`,
    CAPS.descriptionBytes,
  );
  const signal: Signal = {
    source: DEPLOYMENT_SIGNAL.source,
    kind: DEPLOYMENT_SIGNAL.kind,
    subject,
    title,
    description,
    account: record.account,
    region: record.region,
    resources,
    severityHint: HINT_OF[severity],
    observedAt: record.finishedAt ?? record.lastEventAt,
    state: 'firing',
    attributes: {
      service: record.service,
      environment: record.environment,
      version: oneLine(record.version),
      deploymentId: record.id,
      deploymentSource: record.source,
      sourceStatus: oneLine(record.sourceStatus),
      severity,
    },
    ...optional('url', record.link),
  };
  return { signal, title, severity, category: 'release', subject, resources };
}

/**
 * The classification ingest should use for a failed deployment's signal: severity by environment,
 * category `release`, the `release` channel if configured (else the default), the configured
 * fingerprint. Pass it as ingest's `classify` for this signal instead of the rule classifier.
 */
export function failedDeploymentClassification(
  incident: FailedDeploymentIncident,
  config: Pick<ClassifierConfig, 'slack' | 'dedup'>,
  mitigations: readonly string[] = [],
): Classification {
  return {
    rule: `deployment failure (${incident.signal.attributes.environment ?? 'unknown'} is ${incident.severity})`,
    suppressed: false,
    severity: incident.severity,
    category: 'release',
    channel: config.slack.channels.release ?? config.slack.channels.default,
    mitigations,
    fingerprint: fingerprint(incident.signal, config.dedup.fingerprint),
  };
}

/**
 * A successful deployment of a service to an environment that opens incidents, as a recovery of its
 * release incident: feeding it to ingest resolves an open `deployment-failed` incident for the same
 * service and environment (nothing happens when none is open). Undefined otherwise.
 */
export function recoveryForDeployment(
  record: DeploymentRecord,
  config: Pick<DeploymentsConfig, 'incidentSeverity'> = DEFAULT_DEPLOYMENTS_CONFIG,
): Signal | undefined {
  if (record.status !== 'succeeded' || !config.incidentSeverity[record.environment]) return undefined;
  const subject = `${record.service}/${record.environment}`;
  return {
    source: DEPLOYMENT_SIGNAL.source,
    kind: DEPLOYMENT_SIGNAL.kind,
    subject,
    title: capText(
      `Deployment of ${record.service} ${oneLine(record.version)} to ${record.environment} succeeded`,
      CAPS.titleBytes,
    ),
    account: record.account,
    region: record.region,
    // A recovery clears the resources it names: the incident's resources are those of failed deployments of this subject.
    resources: [],
    severityHint: 'informational',
    observedAt: record.finishedAt ?? record.lastEventAt,
    state: 'recovered',
    attributes: {
      service: record.service,
      environment: record.environment,
      version: oneLine(record.version),
      deploymentId: record.id,
    },
    ...optional('url', record.link),
  };
}
