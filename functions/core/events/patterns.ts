import type { FirebreakConfig } from '../config.ts';

/** The custom bus every Firebreak function talks through. */
export const FIREBREAK_BUS_NAME = 'firebreak';
/** Source of the events Firebreak itself emits on its bus. */
export const FIREBREAK_SOURCE = 'firebreak';
/** Custom monitors put events with a source starting with this prefix. */
export const MONITOR_SOURCE_PREFIX = 'firebreak.monitor';

/** An EventBridge event pattern, as EventBridge reads it. */
export type EventPattern = Record<string, unknown>;

export interface IngestRule {
  /** Stable id, used for the CDK rule's construct id. */
  readonly id: string;
  readonly bus: 'default' | 'firebreak';
  readonly description: string;
  readonly pattern: EventPattern;
}

/**
 * The event patterns that feed `ingest`, defined once: the CDK stack turns them into rules and the
 * local bus applies the very same patterns, so a wrong pattern fails a test instead of dropping
 * events in production.
 */
export function ingestRules(config: Pick<FirebreakConfig, 'sources'>): IngestRule[] {
  return [
    {
      id: 'CloudWatchAlarm',
      bus: 'default',
      description: 'CloudWatch alarm state changes',
      pattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
    },
    {
      id: 'GuardDutyFinding',
      bus: 'default',
      description: 'GuardDuty findings',
      pattern: { source: ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'] },
    },
    {
      id: 'SecurityHubFinding',
      bus: 'default',
      description: 'Security Hub findings imported',
      pattern: { source: ['aws.securityhub'], 'detail-type': ['Security Hub Findings - Imported'] },
    },
    {
      id: 'InspectorFinding',
      bus: 'default',
      description: 'Amazon Inspector findings',
      pattern: { source: ['aws.inspector2'], 'detail-type': ['Inspector2 Finding'] },
    },
    {
      id: 'HealthEvent',
      bus: 'default',
      description: 'AWS Health events',
      pattern: { source: ['aws.health'], 'detail-type': ['AWS Health Event'] },
    },
    {
      id: 'Ec2StateChange',
      bus: 'default',
      description: 'EC2 instance state changes worth an incident',
      pattern: {
        source: ['aws.ec2'],
        'detail-type': ['EC2 Instance State-change Notification'],
        detail: { state: [...config.sources.ec2States] },
      },
    },
    {
      id: 'CustomMonitor',
      bus: 'firebreak',
      description: 'Custom and third-party monitoring events sent with PutEvents',
      pattern: { source: [{ prefix: MONITOR_SOURCE_PREFIX }, ...config.sources.custom] },
    },
  ];
}

/** What Firebreak's functions say to each other on the firebreak bus. */
export const WORKFLOW_DETAIL_TYPES = {
  incidentOpened: 'Incident Opened',
  incidentUpdated: 'Incident Updated',
  incidentResolved: 'Incident Resolved',
  /** Asks notify to re-render an incident's message after a coalescing window (from a schedule). */
  incidentRefresh: 'Incident Refresh',
  mitigationRequested: 'Mitigation Requested',
  mitigationDecided: 'Mitigation Decided',
  mitigationEscalated: 'Mitigation Escalated',
  mitigationApproved: 'Mitigation Approved',
  releaseLifted: 'Release Hold Lifted',
  /** A running mitigation's progress changed (coalesced by track); `final: true` when it ended. */
  mitigationProgress: 'Mitigation Progress',
  mitigationSucceeded: 'Mitigation Succeeded',
  mitigationFailed: 'Mitigation Failed',
} as const;

/** The events the notify function renders into Slack. */
export const NOTIFY_DETAIL_TYPES = [
  'Incident Opened',
  'Incident Updated',
  'Incident Resolved',
  'Mitigation Requested',
  'Mitigation Decided',
  'Mitigation Escalated',
  'Incident Refresh',
  'Release Hold Lifted',
  'Mitigation Progress',
  'Mitigation Succeeded',
  'Mitigation Failed',
] as const;

/** The rule that feeds notify, on the firebreak bus; the stack and the local bus both use it. */
export const NOTIFY_PATTERN: EventPattern = { source: [FIREBREAK_SOURCE], 'detail-type': [...NOTIFY_DETAIL_TYPES] };
