import { describe, expect, it } from 'vitest';
import { parseDeadLetter, queueLocation, redriveTarget } from '../../../functions/core/dead-letters/dead-letter.ts';
import { terminalSafe } from '../../../bin/cli/terminal-text.ts';
import { renderDeadLetters } from '../../../bin/cli/dlq-text.ts';
import {
  guardDutyEvent,
  INGEST_ARN,
  NOTIFY_ARN,
  onFailureDeadLetter,
  QUEUE_URL,
  RULE_ARN,
  ruleDeadLetter,
  scheduleDeadLetter,
} from '../../support/dead-letters.ts';

const HERE = queueLocation(QUEUE_URL)!;

describe('parseDeadLetter', () => {
  it('reads an EventBridge rule dead letter: the event, the rule, the target and the documented error attributes', () => {
    const raw = ruleDeadLetter();
    expect(parseDeadLetter(raw)).toEqual({
      messageId: raw.messageId,
      receiptHandle: 'handle-1',
      sentAt: '2026-11-23T09:00:00.000Z',
      origin: 'eventbridge-rule',
      eventId: guardDutyEvent.id,
      source: 'aws.guardduty',
      detailType: 'GuardDuty Finding',
      rule: RULE_ARN,
      target: INGEST_ARN,
      errorCode: 'SDK_CLIENT_ERROR',
      errorMessage: 'Unable to invoke Lambda function: Rate Exceeded.',
      exhaustedRetryCondition: 'MaximumEventAgeInSeconds',
      retryAttempts: '4',
      payload: raw.body,
    });
  });

  it("reads Lambda's on-failure record: the function without its qualifier, the handler's error, the original event to re-send", () => {
    const letter = parseDeadLetter(onFailureDeadLetter());
    expect(letter).toMatchObject({
      origin: 'lambda-on-failure',
      eventId: guardDutyEvent.id,
      source: 'aws.guardduty',
      target: INGEST_ARN,
      errorCode: 'InvalidEventError',
      errorMessage: 'invalid event: detail.severity: Too big',
      exhaustedRetryCondition: 'RetriesExhausted',
      retryAttempts: '2',
    });
    expect(JSON.parse(letter.payload!)).toEqual(guardDutyEvent);
  });

  it("reads a Scheduler dead letter: the schedule's input is the payload", () => {
    const raw = scheduleDeadLetter();
    expect(parseDeadLetter(raw)).toMatchObject({
      origin: 'scheduler',
      eventId: 'refresh-INC-6DA0400492-20261123090205',
      source: 'firebreak',
      detailType: 'Incident Refresh',
      schedule: expect.stringContaining(':schedule/firebreak/'),
      target: NOTIFY_ARN,
      payload: raw.body,
    });
  });

  it('never throws on a body that is not JSON, and cannot redrive it', () => {
    const letter = parseDeadLetter(ruleDeadLetter({ body: '{"id": "trunc' }));
    expect(letter).toMatchObject({ origin: 'eventbridge-rule', target: INGEST_ARN });
    expect(letter.payload).toBeUndefined();
    expect(redriveTarget(letter, HERE)).toEqual({ ok: false, reason: 'its body is not the JSON payload to re-send' });
    expect(parseDeadLetter({ messageId: 'm', receiptHandle: 'h', body: 'hello', attributes: {} })).toEqual({
      messageId: 'm',
      receiptHandle: 'h',
      origin: 'unknown',
    });
  });

  it("reads the relay's own dead letter (an outbox item it can never publish): its reason, and no target to redrive to", () => {
    const letter = parseDeadLetter({
      messageId: 'm',
      receiptHandle: 'h',
      body: JSON.stringify({ sequenceNumber: '100', key: '{"pk":{"S":"OUTBOX#1"}}', eventSourceARN: 'arn:aws:dynamodb:…' }),
      attributes: { ERROR_MESSAGE: 'unknown detail-type(s): Mitigation Approved By Anyone' },
    });
    expect(letter).toMatchObject({ origin: 'unknown', errorMessage: 'unknown detail-type(s): Mitigation Approved By Anyone' });
    expect(redriveTarget(letter, HERE).ok).toBe(false);
  });

  it('cannot redrive an old Lambda DeadLetterConfig message or a stream batch record: neither names what to re-send where', () => {
    const legacy = parseDeadLetter({
      messageId: 'm',
      receiptHandle: 'h',
      body: JSON.stringify(guardDutyEvent),
      attributes: { RequestID: 'r', ErrorCode: '200', ErrorMessage: 'boom' },
    });
    expect(legacy).toMatchObject({ origin: 'lambda-dlq', eventId: guardDutyEvent.id, errorMessage: 'boom' });
    expect(redriveTarget(legacy, HERE)).toEqual({ ok: false, reason: 'the message does not name the function it failed on' });
    const batch = parseDeadLetter({
      messageId: 'm',
      receiptHandle: 'h',
      body: JSON.stringify({
        requestContext: { functionArn: `${INGEST_ARN}:$LATEST`, condition: 'RetryAttemptsExhausted' },
        DDBStreamBatchInfo: { shardId: 's' },
      }),
      attributes: {},
    });
    expect(batch).toMatchObject({ origin: 'stream-batch', target: INGEST_ARN });
    expect(redriveTarget(batch, HERE).ok).toBe(false);
  });
});

describe('redriveTarget', () => {
  it('accepts a function of the queue’s own account and region', () => {
    expect(redriveTarget(parseDeadLetter(ruleDeadLetter()), HERE)).toEqual({ ok: true, functionArn: INGEST_ARN });
  });

  it('refuses a target in another account or region, or that is not a Lambda function', () => {
    const foreign = (target: string) =>
      redriveTarget(
        parseDeadLetter(ruleDeadLetter({ attributes: { ...ruleDeadLetter().attributes, TARGET_ARN: target } })),
        HERE,
      );
    expect(foreign('arn:aws:lambda:us-east-1:999999999999:function:attacker')).toEqual({
      ok: false,
      reason: "its target is not in the dead-letter queue's account and region",
    });
    expect(foreign('arn:aws:lambda:eu-west-1:123456789012:function:Firebreak-notify').ok).toBe(false);
    expect(foreign('arn:aws:sqs:us-east-1:123456789012:somewhere')).toEqual({
      ok: false,
      reason: 'its target is not a Lambda function',
    });
  });
});

describe('terminal safety', () => {
  it('removes ANSI and OSC escapes, bidi overrides and control characters from untrusted text', () => {
    const evil = 'ok\u001b[2J\u001b[1;31mFAKE\u001b[0m\u001b]0;pwned title\u0007 \u009b31m\r\nline2\u202egnp.exe\u0000';
    expect(terminalSafe(evil)).toBe('okFAKE  line2gnp.exe');
    expect(terminalSafe('x'.repeat(400), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('renders a dead letter whose reason and source carry escapes as inert text', () => {
    const raw = ruleDeadLetter({
      attributes: {
        ...ruleDeadLetter().attributes,
        ERROR_MESSAGE: 'denied\u001b[2J\u001b[Hall clear\nfirebreak: redriven 0 kept',
      },
      body: JSON.stringify({
        ...guardDutyEvent,
        source: 'aws.guardduty\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007',
      }),
    });
    const out = renderDeadLetters([parseDeadLetter(raw)], QUEUE_URL);
    // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(out).toContain(
      'reason:    SDK_CLIENT_ERROR: deniedall clear firebreak: redriven 0 kept (MaximumEventAgeInSeconds, 4 retries)',
    );
    expect(out).toContain('aws.guarddutyclick / GuardDuty Finding');
    expect(out).toContain(
      'failed on: rule Firebreak-IngestionGuardDutyFindingRule1A2B3C4D-QwErTy, function Firebreak-IngestionIngest9F3A2B1C-Xy12Ab34Cd56',
    );
  });
});
