import type { DeadLetter } from '../../functions/core/dead-letters/dead-letter.ts';
import type { RedriveReport } from '../../functions/workflow/dead-letters.ts';
import { terminalSafe } from './terminal-text.ts';

/** The name at the end of an ARN (a rule, schedule or function), for a short line. */
const nameOf = (arn: string | undefined) => (arn ? (arn.split(/[:/]/).pop() ?? arn) : undefined);

/** Every field a reader may need, untrusted text neutralised; the JSON form of both commands. */
export function deadLetterView(letter: DeadLetter) {
  const safe = (value: string | undefined, max?: number) => (value === undefined ? undefined : terminalSafe(value, max));
  return {
    messageId: safe(letter.messageId),
    origin: letter.origin,
    sentAt: safe(letter.sentAt),
    eventId: safe(letter.eventId),
    source: safe(letter.source),
    detailType: safe(letter.detailType),
    rule: safe(letter.rule),
    schedule: safe(letter.schedule),
    target: safe(letter.target),
    errorCode: safe(letter.errorCode),
    errorMessage: safe(letter.errorMessage, 1000),
    exhaustedRetryCondition: safe(letter.exhaustedRetryCondition),
    retryAttempts: safe(letter.retryAttempts),
    redrivable: letter.payload !== undefined && letter.target !== undefined,
  };
}

/** `dlq list`: a block per dead letter. */
export function renderDeadLetters(letters: readonly DeadLetter[], queueUrl: string): string {
  if (letters.length === 0) return `No dead letters in ${terminalSafe(queueUrl)}.`;
  const blocks = letters.map((letter) => {
    const v = deadLetterView(letter);
    const failedOn = [
      v.rule && `rule ${terminalSafe(nameOf(letter.rule)!)}`,
      v.schedule && `schedule ${terminalSafe(nameOf(letter.schedule)!)}`,
      v.target && `function ${terminalSafe(nameOf(letter.target)!)}`,
    ].filter(Boolean);
    const reason = [v.errorCode, v.errorMessage].filter(Boolean).join(': ');
    const retries = [v.exhaustedRetryCondition, v.retryAttempts && `${v.retryAttempts} retries`].filter(Boolean).join(', ');
    return [
      `${v.messageId}  (${ORIGINS[letter.origin]}${v.sentAt ? `, dead-lettered ${v.sentAt}` : ''})`,
      `  event:     ${v.eventId ?? '-'}  ${v.source ?? '-'} / ${v.detailType ?? '-'}`,
      `  failed on: ${failedOn.join(', ') || 'unknown (the message does not say)'}`,
      `  reason:    ${reason || '-'}${retries ? ` (${retries})` : ''}`,
      ...(v.redrivable ? [] : ['  redrive:   not possible (see the origin)']),
    ].join('\n');
  });
  return `${letters.length} dead letter${letters.length === 1 ? '' : 's'} in ${terminalSafe(queueUrl)}:\n\n${blocks.join('\n\n')}`;
}

const ORIGINS: Record<DeadLetter['origin'], string> = {
  'eventbridge-rule': 'EventBridge could not deliver it to a rule target',
  scheduler: 'EventBridge Scheduler could not deliver a schedule',
  'lambda-on-failure': 'the function failed on it after its retries',
  'lambda-dlq': 'a Lambda dead letter that does not name its function',
  'stream-batch': 'a stream batch record',
  unknown: 'not a message Firebreak knows',
};

/** `dlq redrive`: one line per message. */
export function renderRedrive(reports: readonly RedriveReport[]): string {
  if (reports.length === 0) return 'Nothing to redrive.';
  const lines = reports.map(({ letter, outcome, reason }) => {
    const what = `${terminalSafe(letter.messageId)} (event ${terminalSafe(letter.eventId ?? '-')})`;
    if (outcome === 'redriven')
      return `redriven  ${what} -> ${terminalSafe(nameOf(letter.target) ?? '-')}, deleted from the queue`;
    if (outcome === 'redriven-not-deleted')
      return `REDRIVEN  ${what} -> ${terminalSafe(nameOf(letter.target) ?? '-')}, NOT deleted: ${terminalSafe(reason ?? '')}`;
    return `kept      ${what}: ${terminalSafe(reason ?? '')}`;
  });
  const count = (o: RedriveReport['outcome']) => reports.filter((r) => r.outcome === o).length;
  return `${lines.join('\n')}\n\n${count('redriven')} redriven, ${count('redriven-not-deleted')} redriven but not deleted, ${count('kept')} kept.`;
}
