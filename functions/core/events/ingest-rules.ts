import type { FirebreakConfig } from '../config.ts';
import { watchedEventNames } from '../signals/cloudtrail-watch.ts';
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
export function ingestRules(config: Pick<FirebreakConfig, 'sources'> & Partial<Pick<FirebreakConfig, 'watch'>>): IngestRule[] {
  return [...sourceRules(config), ...(config.watch?.enabled === false ? [] : watchRules())];
}

function sourceRules(config: Pick<FirebreakConfig, 'sources'>): IngestRule[] {
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

const API_CALL = 'AWS API Call via CloudTrail';

/**
 * The change watch: one rule per watched AWS service (CloudTrail delivers each service's calls
 * under its own source, `aws.iam`, `aws.ec2`...), naming only the watched actions, so read-only
 * calls never reach ingest; root use of any other write call; console sign-ins; AWS Config
 * compliance changes. Each event reaches exactly one rule.
 */
function watchRules(): IngestRule[] {
  const byService = [...watchedEventNames()];
  const allWatched = byService.flatMap(([, names]) => names);
  return [
    ...byService.map(([eventSource, eventNames]) => {
      const service = eventSource.replace(/\.amazonaws\.com$/, '');
      return {
        id: `CloudTrail${service.charAt(0).toUpperCase()}${service.slice(1)}`,
        bus: 'default' as const,
        description: `${service} changes recorded by CloudTrail`,
        pattern: {
          source: [`aws.${service}`],
          'detail-type': [API_CALL],
          detail: { eventSource: [eventSource], eventName: [...eventNames] },
        },
      };
    }),
    {
      id: 'CloudTrailRootUse',
      bus: 'default',
      description: 'Any other write call made by the root user',
      pattern: {
        source: [{ prefix: 'aws.' }],
        'detail-type': [API_CALL],
        detail: { userIdentity: { type: ['Root'] }, readOnly: [false], eventName: [{ 'anything-but': allWatched }] },
      },
    },
    {
      id: 'ConsoleSignIn',
      bus: 'default',
      description: 'Console sign-ins (root, without MFA, failed)',
      pattern: {
        source: ['aws.signin'],
        'detail-type': ['AWS Console Sign In via CloudTrail'],
        detail: { eventName: ['ConsoleLogin'] },
      },
    },
    {
      id: 'ConfigCompliance',
      bus: 'default',
      description: 'AWS Config rules turning non-compliant (and back)',
      pattern: {
        source: ['aws.config'],
        'detail-type': ['Config Rules Compliance Change'],
        detail: { newEvaluationResult: { complianceType: ['NON_COMPLIANT', 'COMPLIANT'] } },
      },
    },
  ];
}
