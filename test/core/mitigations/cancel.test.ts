/** Who may ask to cancel a running mitigation, and what the executor does with a cancel it is handed (again). */
import { describe, expect, it } from 'vitest';
import { cancelRefusal, cancelStep } from '../../../functions/core/mitigations/cancel.ts';
import type { MitigationRequest } from '../../../functions/core/mitigations/mitigation.ts';
import { at, CTO, S1 } from './fixtures.ts';
import { RESPONDER, requestFor } from './requests.ts';

const running = (extra: Record<string, unknown> = {}): MitigationRequest =>
  ({ ...requestFor('collect-diagnostics'), state: 'running', runId: 'cmd-1', ...extra }) as MitigationRequest;
const asked = { by: CTO.slackUserId, at: at(5) };

describe('cancelRefusal', () => {
  it('lets the CTO and a senior engineer ask to cancel a running request with a run id', () => {
    expect(cancelRefusal(CTO, running(), 'MIT-0A1B2C3D4E')).toBeUndefined();
    expect(cancelRefusal(S1, running(), 'MIT-0A1B2C3D4E')).toBeUndefined();
  });

  it('refuses a responder and someone off the roster (audited), before saying anything about the request', () => {
    for (const member of [RESPONDER, undefined])
      expect(cancelRefusal(member, undefined, 'MIT-0000000000')).toEqual({
        text: 'Only the CTO or a senior engineer can cancel a running mitigation.',
        audited: 'not_authorized',
      });
  });

  it('refuses what is unknown, not running, not yet started in SSM, or already being cancelled', () => {
    expect(cancelRefusal(CTO, undefined, 'MIT-0000000000')?.text).toBe('No mitigation request MIT-0000000000.');
    expect(cancelRefusal(CTO, { ...running(), state: 'awaiting_approval' }, 'x')?.text).toBe(
      'MIT-0A1B2C3D4E is awaiting approval, not running.',
    );
    expect(cancelRefusal(CTO, running({ runId: undefined }), 'x')?.text).toContain('has no Systems Manager run id yet');
    expect(cancelRefusal(S1, running({ cancel: asked }), 'x')?.text).toBe(
      `MIT-0A1B2C3D4E is already being cancelled (asked by <@${CTO.slackUserId}> at ${asked.at}).`,
    );
    // Systems Manager refused the last one: asking again is allowed.
    expect(cancelRefusal(S1, running({ cancel: { ...asked, failedAt: at(6) } }), 'x')).toBeUndefined();
    for (const refusal of [cancelRefusal(CTO, undefined, 'x'), cancelRefusal(CTO, { ...running(), state: 'succeeded' }, 'x')])
      expect(refusal).not.toHaveProperty('audited');
  });
});

describe('cancelStep', () => {
  it('cancels a running request someone asked to cancel, by its run kind and id (again after a refusal)', () => {
    expect(cancelStep(running({ cancel: asked }))).toEqual({ kind: 'cancel', cancel: asked, runId: 'cmd-1', runKind: 'command' });
    expect(cancelStep(running({ cancel: { ...asked, failedAt: at(6) } })).kind).toBe('cancel');
  });

  it('does nothing twice: nobody asked, already cancelled, too late already said', () => {
    expect(cancelStep(running())).toEqual({ kind: 'done', why: 'no cancel was requested' });
    expect(cancelStep(running({ cancel: asked, state: 'cancelled' }))).toEqual({ kind: 'done', why: 'already cancelled' });
    expect(cancelStep(running({ cancel: { ...asked, endedFirst: 'succeeded' }, state: 'succeeded' }))).toEqual({
      kind: 'done',
      why: 'already said it had succeeded',
    });
  });

  it('finds a request that ended before the cancel got to it', () => {
    expect(cancelStep(running({ cancel: asked, state: 'failed' }))).toEqual({ kind: 'too_late', cancel: asked, state: 'failed' });
  });
});
