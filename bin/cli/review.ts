/**
 * `firebreak review`: the CTO's configuration review, printed. It reads EC2, Systems Manager,
 * AWS Config and IAM with the caller's credentials (the stack's ReviewPolicyArn grants exactly
 * that), or the SIMULATED fleet with `--local`; `--since <file>` (an earlier `--json` output)
 * adds what changed since that review.
 */
import { readFileSync } from 'node:fs';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { SSMClient } from '@aws-sdk/client-ssm';
import * as z from '../../functions/core/zod.ts';
import { AwsFleetReviewReader } from '../../functions/adapters/fleet-review-reader.ts';
import { buildReview, reviewItems, reviewLines, type PreviousReview } from '../../functions/core/review/report.ts';
import { simulatedFleetSnapshot } from '../../functions/local/fleet-review.ts';
import { terminalSafe } from './terminal-text.ts';
import { UsageError } from './usage.ts';

export interface ReviewOptions {
  readonly local: boolean;
  readonly json: boolean;
  /** An earlier `firebreak review --json` output. */
  readonly since?: string | undefined;
  readonly accessKeyMaxAgeDays: number;
  readonly now?: () => Date;
  readonly out?: (text: string) => void;
}

const PreviousSchema = z.object({
  takenAt: z.string().check(z.minLength(1)),
  items: z
    .array(z.object({ key: z.string().check(z.minLength(1), z.maxLength(1000)), text: z.string().check(z.maxLength(2000)) }))
    .check(z.maxLength(10_000)),
});

function previousReview(path: string): PreviousReview {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--since ${path}: ${(error as Error).message}`);
  }
  const parsed = PreviousSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`--since ${path} is not the output of firebreak review --json`);
  return parsed.data;
}

export async function review(options: ReviewOptions): Promise<number> {
  const out = options.out ?? ((text: string) => process.stdout.write(text));
  const previous = options.since ? previousReview(options.since) : undefined;
  const takenAt = (options.now?.() ?? new Date()).toISOString();
  const snapshot = options.local
    ? simulatedFleetSnapshot(takenAt)
    : await new AwsFleetReviewReader({
        ec2: new EC2Client({}),
        ssm: new SSMClient({}),
        config: new ConfigServiceClient({}),
        iam: new IAMClient({}),
      }).read(takenAt);
  const report = buildReview(snapshot, previous, { accessKeyMaxAgeDays: options.accessKeyMaxAgeDays });
  if (options.json) {
    out(`${JSON.stringify({ ...report, items: reviewItems(report, 10_000) }, null, 2)}\n`);
    return 0;
  }
  const lines = reviewLines(report, (text) => terminalSafe(text, 300));
  if (options.local) lines.unshift('SIMULATED fleet (--local): not your account');
  out(`${lines.join('\n')}\n`);
  return 0;
}
