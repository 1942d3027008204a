/**
 * `firebreak release check <service>`: the pipeline gate. Exit 0 when the service may deploy, 1
 * while it is on a release hold or under a deploy freeze (or either cannot be read: a gate fails
 * closed), 2 on bad usage.
 */
import { rosterWithAwayTimes } from '../../functions/core/approval/roster.ts';
import { applicableFreezes } from '../../functions/core/deployments/deploy-freeze.ts';
import { combinedCheck, freezeCheck } from '../../functions/core/deployments/freeze-approval.ts';
import { releaseCheck } from '../../functions/core/deployments/release-check.ts';
import { SERVICE_NAME_PATTERN } from '../../functions/core/ids.ts';
import type { StoredFreeze, StoredHold } from '../../functions/core/persistence.ts';
import { createRepositories } from '../../functions/adapters/dynamodb/repositories.ts';
import { loadConfig } from '../../lib/config.ts';
import { describeAwsError } from './errors.ts';
import { openTable, type TableOptions } from './incidents.ts';
import { UsageError } from './usage.ts';
import { terminalJson, terminalText } from './terminal-text.ts';

export interface ReleaseCheckOptions extends TableOptions {
  readonly config?: string | undefined;
  /** The account the release goes to (a freeze scoped by account); default: every account. */
  readonly account?: string | undefined;
}

export async function releaseCheckCommand(service: string, options: ReleaseCheckOptions): Promise<number> {
  if (!SERVICE_NAME_PATTERN.test(service))
    throw new UsageError('release check: the service name must be 1-255 letters, digits, ".", "_", "@" or "-"');
  if (options.account !== undefined && !/^\d{12}$/.test(options.account))
    throw new UsageError('release check: --account must be a 12-digit account id');
  const config = loadConfig(options.config);
  const { client, tableName, close } = await openTable(options);
  const { holds, freezes: freezeRepository, roster: rosterRepository } = createRepositories(client, tableName);
  try {
    let hold: StoredHold | undefined;
    let away: Map<string, string>;
    let freezes: StoredFreeze[];
    try {
      [hold, away, freezes] = await Promise.all([
        holds.getHold(service),
        rosterRepository.getAwayTimes(),
        freezeRepository.activeFreezes(),
      ]);
    } catch (error) {
      const message = `cannot read the release hold or deploy freeze of ${service} from ${tableName}: ${describeAwsError(error)}`;
      process.stderr.write(`firebreak: ${message}\n`);
      // A gate's verdict is machine-read: under --json the failure is on stdout too, and it is "not allowed".
      if (options.json)
        process.stdout.write(`${JSON.stringify({ service, allowed: false, error: { message, exitCode: 1 } }, null, 2)}\n`);
      return 1;
    }
    const { cto, seniors } = rosterWithAwayTimes(config.roster, away);
    const people = { cto, seniors };
    const now = new Date().toISOString();
    // A freeze scoped by account applies to a release of unknown destination too: the gate fails closed.
    const check = combinedCheck(
      releaseCheck({ service, hold, ...people, now }),
      freezeCheck({ service, freezes: applicableFreezes(freezes, service, options.account), ...people, now }),
    );
    if (options.json) {
      process.stdout.write(`${terminalJson({ service, ...check })}\n`);
    } else {
      process.stdout.write(`${terminalText(check.reason)}\n`);
      if (!check.allowed) process.stdout.write(`${terminalText(`Who can lift it: ${check.whoCanLift.join(', ')}`)}\n`);
    }
    return check.allowed ? 0 : 1;
  } finally {
    await close();
  }
}
