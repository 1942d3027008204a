import type { MitigationRequest } from '../mitigations/mitigation.ts';
import { code, mention, safeLine } from './text.ts';

/** The thread reply when a requested cancel did not stop the run: it came too late, or Systems Manager refused it. */
export function cancelFailedMessage(
  request: MitigationRequest,
  failure: { readonly reason: 'already_ended' | 'systems_manager_error'; readonly error?: string | undefined },
): { text: string; blocks: object[] } {
  const who = request.cancel ? mention(request.cancel.by) : 'someone';
  const what = `*${safeLine(request.title, 200)}* (${code(request.id, 40)})`;
  const text =
    failure.reason === 'already_ended'
      ? `:warning: The cancel ${who} asked for came too late: ${what} had already ${safeLine(request.cancel?.endedFirst ?? request.state, 40)}. Nothing was stopped.`
      : `:warning: Systems Manager did not cancel ${what} for ${who}: ${code(failure.error ?? 'unknown error', 128)}. ` +
        `Execute retries; if it keeps failing, the cancel ends in the dead-letter queue (alarmed) and the mitigation keeps running: ` +
        `\`/firebreak cancel ${request.id}\` asks again.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } }] };
}
