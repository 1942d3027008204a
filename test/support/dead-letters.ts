/** Dead-letter messages as each writer puts them in the queue, for the dlq tests. */
import type { RawDeadLetter } from '../../functions/core/dead-letters/dead-letter.ts';
import { fixture } from '../support.ts';

export const QUEUE_URL =
  'https://sqs.us-east-1.amazonaws.com/123456789012/Firebreak-IngestionDeadLetterQueueEB97306D-AbCdEf123456';
export const INGEST_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:Firebreak-IngestionIngest9F3A2B1C-Xy12Ab34Cd56';
export const NOTIFY_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:Firebreak-notify';
export const RULE_ARN = 'arn:aws:events:us-east-1:123456789012:rule/Firebreak-IngestionGuardDutyFindingRule1A2B3C4D-QwErTy';

export const guardDutyEvent = fixture('guardduty-finding-ec2-high-wrapped.json');

/** EventBridge could not deliver to ingest (a rule target): the event, with the documented attributes. */
export const ruleDeadLetter = (overrides: Partial<RawDeadLetter> = {}): RawDeadLetter => ({
  messageId: '8f2b1c4e-1111-4a2b-9c3d-000000000001',
  receiptHandle: 'handle-1',
  body: JSON.stringify(guardDutyEvent),
  attributes: {
    RULE_ARN,
    TARGET_ARN: INGEST_ARN,
    ERROR_CODE: 'SDK_CLIENT_ERROR',
    ERROR_MESSAGE: 'Unable to invoke Lambda function: Rate Exceeded.',
    EXHAUSTED_RETRY_CONDITION: 'MaximumEventAgeInSeconds',
    RETRY_ATTEMPTS: '4',
  },
  sentAt: '2026-11-23T09:00:00.000Z',
  ...overrides,
});

/** Lambda's on-failure record: ingest rejected the event (the house handler's InvalidEventError) after its retries. */
export const onFailureDeadLetter = (overrides: Partial<RawDeadLetter> = {}): RawDeadLetter => ({
  messageId: '8f2b1c4e-2222-4a2b-9c3d-000000000002',
  receiptHandle: 'handle-2',
  body: JSON.stringify({
    version: '1.0',
    timestamp: '2026-11-23T09:01:00.000Z',
    requestContext: {
      requestId: 'e4b46cbf-b738-4a2b-8880-a18cdf61200e',
      functionArn: `${INGEST_ARN}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: guardDutyEvent,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: 'InvalidEventError', errorMessage: 'invalid event: detail.severity: Too big' },
  }),
  attributes: {},
  ...overrides,
});

/** EventBridge Scheduler could not invoke notify with a coalesced refresh: the schedule's input. */
export const scheduleDeadLetter = (overrides: Partial<RawDeadLetter> = {}): RawDeadLetter => ({
  messageId: '8f2b1c4e-3333-4a2b-9c3d-000000000003',
  receiptHandle: 'handle-3',
  body: JSON.stringify({
    version: '0',
    id: 'refresh-INC-6DA0400492-20261123090205',
    source: 'firebreak',
    'detail-type': 'Incident Refresh',
    time: '2026-11-23T09:02:05Z',
    resources: [],
    detail: { incidentId: 'INC-6DA0400492' },
  }),
  attributes: {
    SCHEDULE_ARN: 'arn:aws:scheduler:us-east-1:123456789012:schedule/firebreak/refresh-INC-6DA0400492-20261123090205',
    TARGET_ARN: NOTIFY_ARN,
    ERROR_CODE: 'AWS.Scheduler.ClientError',
    ERROR_MESSAGE: 'Lambda returned TooManyRequestsException',
    EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
    RETRY_ATTEMPTS: '10',
  },
  ...overrides,
});
