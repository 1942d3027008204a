/**
 * `firebreak dlq list` and `firebreak dlq redrive [--id <message id>]`: what is in Firebreak's
 * dead-letter queue, and sending it back to the function it failed on.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { queueLocation } from '../../functions/core/dead-letters/dead-letter.ts';
import { STACK_TAG } from '../../functions/core/platform/platform-alarms.ts';
import { LambdaRedriveTargets, SqsDeadLetterQueue } from '../../functions/adapters/dead-letter-queue.ts';
import { listDeadLetters, redriveDeadLetters } from '../../functions/workflow/dead-letters.ts';
import { deadLetterView, renderDeadLetters, renderRedrive } from './dlq-text.ts';
import { terminalJson, terminalSafe } from './terminal-text.ts';
import { UsageError } from './usage.ts';

/** The stack `cdk deploy` creates (bin/app.ts); `--stack` or $FIREBREAK_STACK name another. */
export const DEFAULT_STACK_NAME = 'Firebreak';
const DEFAULT_MAX = 100;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const MESSAGE_ID = /^[A-Za-z0-9-]{1,100}$/;

export interface DlqValues {
  readonly json?: boolean | undefined;
  readonly queue?: string | undefined;
  readonly stack?: string | undefined;
  readonly id?: string | undefined;
  readonly max?: string | undefined;
}

export async function dlq(args: string[], values: DlqValues): Promise<number> {
  const [action, ...rest] = args;
  if ((action !== 'list' && action !== 'redrive') || rest.length)
    throw new UsageError('dlq needs "list" or "redrive [--id <message id>]"');
  const queueUrl = values.queue ?? process.env.FIREBREAK_DLQ;
  if (!queueUrl) throw new UsageError('name the queue with --queue or FIREBREAK_DLQ (the stack prints it as DeadLetterQueueUrl)');
  if (!queueLocation(queueUrl))
    throw new UsageError('--queue must be an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)');
  const max = values.max === undefined ? DEFAULT_MAX : Number(values.max);
  if (!Number.isInteger(max) || max < 1 || max > 1000) throw new UsageError('--max must be a whole number from 1 to 1000');
  if (values.id !== undefined && (action !== 'redrive' || !MESSAGE_ID.test(values.id)))
    throw new UsageError(action === 'redrive' ? '--id must be an SQS message id' : '--id is for dlq redrive');
  const stackName = values.stack ?? (process.env.FIREBREAK_STACK || DEFAULT_STACK_NAME);
  if (!STACK_NAME.test(stackName)) throw new UsageError('--stack must be a CloudFormation stack name');

  // The queue's own region, so the CLI needs no AWS_REGION to match it.
  const region = queueLocation(queueUrl)!.region;
  // The regional endpoint is the queue's own (the client has the queue's region); not taking the
  // host from the URL lets AWS_ENDPOINT_URL_SQS point the CLI elsewhere, as for other AWS clients.
  const sqs = new SQSClient({ region, useQueueUrlAsEndpoint: false });
  const lambda = new LambdaClient({ region });
  const queue = new SqsDeadLetterQueue(sqs, queueUrl);
  try {
    if (action === 'list') {
      const letters = await listDeadLetters(queue, max);
      process.stdout.write(
        values.json ? `${terminalJson(letters.map(deadLetterView))}\n` : `${renderDeadLetters(letters, queueUrl)}\n`,
      );
      return 0;
    }
    const reports = await redriveDeadLetters(
      { queue, targets: new LambdaRedriveTargets(lambda, STACK_TAG) },
      { stackName, max, ...(values.id ? { messageId: values.id } : {}) },
    );
    if (values.json) {
      const view = reports.map((r) => ({
        ...deadLetterView(r.letter),
        outcome: r.outcome,
        ...(r.reason ? { reason: terminalSafe(r.reason, 1000) } : {}),
      }));
      process.stdout.write(`${terminalJson(view)}\n`);
    } else {
      process.stdout.write(`${renderRedrive(reports)}\n`);
    }
    if (values.id && reports.length === 0) {
      process.stderr.write(`firebreak: no message ${values.id} in the queue (or it is being handled right now)\n`);
      return 1;
    }
    return reports.every((r) => r.outcome === 'redriven') ? 0 : 1;
  } catch (error) {
    process.stderr.write(`firebreak: ${terminalSafe(`${(error as Error).name}: ${(error as Error).message}`, 500)}\n`);
    return 1;
  } finally {
    sqs.destroy();
    lambda.destroy();
  }
}
