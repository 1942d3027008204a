/** `firebreak drill --html <file>`: the report page, and the files the drill shared in Slack written next to it. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { RosterMember } from '../../functions/core/approval/roster.ts';
import { renderDrillHtml } from '../../functions/local/drill/html-report.ts';
import type { DrillOutcome } from '../../functions/local/drill/run.ts';

export function writeDrillReport(
  path: string,
  outcome: DrillOutcome,
  start: string,
  roster: readonly Pick<RosterMember, 'slackUserId' | 'name' | 'role'>[],
): string[] {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, renderDrillHtml(outcome, start, roster));
  const written = [path];
  for (const file of outcome.files) {
    // The name is Firebreak's own (`<incident>-postmortem.md`); basename keeps it in the directory whatever it holds.
    const target = join(dir, basename(file.filename));
    writeFileSync(target, file.content);
    written.push(target);
  }
  process.stderr.write(`firebreak: wrote ${written.join(', ')}\n`);
  return written;
}
