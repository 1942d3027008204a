/**
 * What a message in Firebreak's dead-letter queue is, whoever put it there, and where it may be
 * sent back. Pure: the text comes from SQS as received and is untrusted (an event's fields, an
 * error message); nothing here prints it.
 *
 * Three writers share the queue:
 * - EventBridge, for a rule target it could not deliver to: the body is the event, the message
 *   attributes `RULE_ARN`, `TARGET_ARN`, `ERROR_CODE`, `ERROR_MESSAGE`, `EXHAUSTED_RETRY_CONDITION`
 *   and `RETRY_ATTEMPTS` say where and why (EventBridge user guide, "Using dead-letter queues");
 * - EventBridge Scheduler, for a schedule it could not deliver: the body is the schedule's input,
 *   with `SCHEDULE_ARN`, `TARGET_ARN` and the same error attributes;
 * - Lambda, for an asynchronous invocation whose retries are spent (an event a handler rejected,
 *   such as the house handler's InvalidEventError, or a crash): an on-failure destination record,
 *   `{ requestContext: { functionArn, condition, approximateInvokeCount }, requestPayload,
 *   responsePayload: { errorType, errorMessage } }`.
 * Older Lambda DeadLetterConfig messages (the event alone, with `RequestID`, `ErrorCode`,
 * `ErrorMessage`) and stream-batch records name no function and cannot be sent back.
 */

export interface RawDeadLetter {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** String message attributes, by name. */
  readonly attributes: Readonly<Record<string, string>>;
  /** When SQS received it (ISO 8601), if SQS said. */
  readonly sentAt?: string;
}

export type DeadLetterOrigin = 'eventbridge-rule' | 'scheduler' | 'lambda-on-failure' | 'lambda-dlq' | 'stream-batch' | 'unknown';

export interface DeadLetter {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly origin: DeadLetterOrigin;
  readonly sentAt?: string;
  /** The original event's id, source and detail-type, when the payload is an EventBridge event. */
  readonly eventId?: string;
  readonly source?: string;
  readonly detailType?: string;
  /** The EventBridge rule or Scheduler schedule whose delivery failed. */
  readonly rule?: string;
  readonly schedule?: string;
  /** The Lambda function that should have handled it (unqualified ARN), when the message says. */
  readonly target?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** Why retries stopped: `MaximumRetryAttempts`, `MaximumEventAgeInSeconds`, `RetriesExhausted`, `EventAgeExceeded`... */
  readonly exhaustedRetryCondition?: string;
  readonly retryAttempts?: string;
  /** Exactly what to invoke the target with again (JSON text); absent when it cannot be sent back. */
  readonly payload?: string;
}

/** A Lambda function ARN, optionally qualified by a version or alias. */
const FUNCTION_ARN =
  /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,140})(?::(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Reads one received message; never throws, whatever the body holds. */
export function parseDeadLetter(raw: RawDeadLetter): DeadLetter {
  const attr = raw.attributes;
  const body = parseJson(raw.body);
  const base = { messageId: raw.messageId, receiptHandle: raw.receiptHandle, ...(raw.sentAt ? { sentAt: raw.sentAt } : {}) };
  const deliveryError = {
    ...optional('errorCode', attr.ERROR_CODE),
    ...optional('errorMessage', attr.ERROR_MESSAGE),
    ...optional('exhaustedRetryCondition', attr.EXHAUSTED_RETRY_CONDITION),
    ...optional('retryAttempts', attr.RETRY_ATTEMPTS),
  };

  if (attr.RULE_ARN || attr.SCHEDULE_ARN) {
    return {
      ...base,
      origin: attr.RULE_ARN ? 'eventbridge-rule' : 'scheduler',
      ...eventFields(body),
      ...optional('rule', attr.RULE_ARN),
      ...optional('schedule', attr.SCHEDULE_ARN),
      ...optional('target', attr.TARGET_ARN && unqualified(attr.TARGET_ARN)),
      ...deliveryError,
      ...(body !== undefined ? { payload: raw.body } : {}),
    };
  }
  if (isObject(body) && isObject(body.requestContext) && 'requestPayload' in body) {
    const context = body.requestContext;
    const response = isObject(body.responsePayload) ? body.responsePayload : {};
    const functionArn = text(context.functionArn);
    const invokes = typeof context.approximateInvokeCount === 'number' ? context.approximateInvokeCount : undefined;
    return {
      ...base,
      origin: 'lambda-on-failure',
      ...eventFields(body.requestPayload),
      ...optional('target', functionArn && unqualified(functionArn)),
      ...optional(
        'errorCode',
        text(response.errorType) ?? text(isObject(body.responseContext) ? body.responseContext.functionError : undefined),
      ),
      ...optional('errorMessage', text(response.errorMessage)),
      ...optional('exhaustedRetryCondition', text(context.condition)),
      ...optional('retryAttempts', invokes !== undefined ? String(Math.max(0, invokes - 1)) : undefined),
      payload: JSON.stringify(body.requestPayload ?? null),
    };
  }
  if (isObject(body) && ('DDBStreamBatchInfo' in body || 'KinesisBatchInfo' in body)) {
    const context = isObject(body.requestContext) ? body.requestContext : {};
    return {
      ...base,
      origin: 'stream-batch',
      ...optional('target', text(context.functionArn) && unqualified(text(context.functionArn)!)),
      ...optional('exhaustedRetryCondition', text(context.condition)),
    };
  }
  if (attr.RequestID || attr.ErrorCode) {
    return {
      ...base,
      origin: 'lambda-dlq',
      ...eventFields(body),
      ...optional('errorCode', attr.ErrorCode),
      ...optional('errorMessage', attr.ErrorMessage),
    };
  }
  // The relay's own dead letters (an outbox item it can never publish) carry their reason as ERROR_MESSAGE.
  return { ...base, origin: 'unknown', ...eventFields(body), ...deliveryError };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { [P in K]?: string };
}

/** An EventBridge event's id, source and detail-type, when the payload is one. */
function eventFields(payload: unknown): Pick<DeadLetter, 'eventId' | 'source' | 'detailType'> {
  if (!isObject(payload)) return {};
  return {
    ...optional('eventId', text(payload.id)),
    ...optional('source', text(payload.source)),
    ...optional('detailType', text(payload['detail-type'])),
  };
}

/** `arn:…:function:name:$LATEST` -> `arn:…:function:name`; anything that is not a function ARN unchanged. */
export function unqualified(arn: string): string {
  const match = FUNCTION_ARN.exec(arn);
  return match ? `arn:${match[1]}:lambda:${match[2]}:${match[3]}:function:${match[4]}` : arn;
}

/** The account and region of a queue, from its URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
export function queueLocation(queueUrl: string): { region: string; account: string } | undefined {
  const match = /^https:\/\/sqs[.-]([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(\d{12})\/[A-Za-z0-9_-]{1,80}$/.exec(queueUrl);
  return match ? { region: match[1]!, account: match[2]! } : undefined;
}

export type RedriveTarget = { readonly ok: true; readonly functionArn: string } | { readonly ok: false; readonly reason: string };

/**
 * Whether a dead letter can be sent back, and to which function: it must name a Lambda function
 * in the queue's own account and region, and carry the payload to re-send. (Whether that function
 * belongs to this stack is asked of Lambda, by its tag.)
 */
export function redriveTarget(letter: DeadLetter, queue: { region: string; account: string }): RedriveTarget {
  if (letter.origin === 'stream-batch')
    return { ok: false, reason: 'a stream batch record holds no events: read the batch from the stream it names' };
  if (!letter.target) return { ok: false, reason: 'the message does not name the function it failed on' };
  const match = FUNCTION_ARN.exec(letter.target);
  if (!match) return { ok: false, reason: 'its target is not a Lambda function' };
  if (match[3] !== queue.account || match[2] !== queue.region)
    return { ok: false, reason: "its target is not in the dead-letter queue's account and region" };
  if (letter.payload === undefined) return { ok: false, reason: 'its body is not the JSON payload to re-send' };
  return { ok: true, functionArn: letter.target };
}
