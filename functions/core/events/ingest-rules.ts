import type { FirebreakConfig } from '../config.ts';
import { MONITOR_SOURCE_PREFIX, type EventPattern } from './bus.ts';

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
