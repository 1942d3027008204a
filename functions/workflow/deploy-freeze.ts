import { appendToChain, deployFreezeChainId } from '../core/audit/chain.ts';
import type { RosterMember } from '../core/approval/roster.ts';
import type { FirebreakConfig } from '../core/config.ts';
import { applicableFreezes, freezeAfterIncident, freezeScopesOf } from '../core/deployments/deploy-freeze.ts';
import { decideFreezeApproval, scopeName } from '../core/deployments/freeze-approval.ts';
import type { BusEvent } from '../core/events/contract.ts';
import { DeployFreezeLifted } from '../core/events/deploy-freeze-lifted.ts';
import { DeployFreezeStarted } from '../core/events/deploy-freeze-started.ts';
import { FreezeReleaseApproved } from '../core/events/freeze-release-approved.ts';
import { escapeSlackText } from '../core/slack/text.ts';
import type { DeployFreezesPort, FreezeIncidentsPort } from './ports/freeze.ts';
import type { Actor, Reply } from './reply.ts';

/** A save that lost a race re-reads the freeze and tries again. */
const MAX_ATTEMPTS = 10;
const FREEZE_ACTOR = 'system:freeze';

export interface DeployFreezeDependencies {
  readonly freezes: DeployFreezesPort;
  readonly incidents: FreezeIncidentsPort;
  readonly config: Pick<FirebreakConfig, 'deployFreeze' | 'policy' | 'slack'>;
  readonly now: () => Date;
}

export type FreezeChangeName = 'none' | 'started' | 'joined' | 'left' | 'lifted' | 'updated';

export interface FreezeOutcome {
  readonly incidentId: string;
  readonly found: boolean;
  /** What happened to each scope the incident freezes, or was freezing until it changed. */
  readonly scopes: readonly { readonly scope: string; readonly change: FreezeChangeName }[];
}

/**
 * An incident was opened, updated or resolved: the freezes of its scopes follow the incident as it
 * is now (read again, so out-of-order and repeated events change nothing), and so does any freeze it
 * kept on but no longer belongs to. Starting and lifting a freeze commit `Deploy Freeze Started` /
 * `Deploy Freeze Lifted` with the change and its audit entry.
 */
export async function followIncident(incidentId: string, deps: DeployFreezeDependencies): Promise<FreezeOutcome> {
  const incident = await deps.incidents.getIncident(incidentId);
  if (!incident) return { incidentId, found: false, scopes: [] };
  const current = freezeScopesOf(incident, deps.config.deployFreeze);
  const left = (await deps.freezes.activeFreezes())
    .filter((f) => !current.includes(f.scope) && f.incidents.some((i) => i.incidentId === incidentId))
    .map((f) => f.scope);
  const scopes = [];
  for (const scope of [...current, ...left]) scopes.push({ scope, change: await followInScope(incidentId, scope, deps) });
  return { incidentId, found: true, scopes };
}

async function followInScope(incidentId: string, scope: string, deps: DeployFreezeDependencies): Promise<FreezeChangeName> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const incident = await deps.incidents.getIncident(incidentId);
    if (!incident) return 'none';
    const existing = await deps.freezes.getFreeze(scope);
    const now = deps.now().toISOString();
    const result = freezeAfterIncident(incident, existing, deps.config.deployFreeze, {
      now,
      scope,
      seniorQuorum: deps.config.policy.seniorQuorum.high,
    });
    if (result.change === 'none') return 'none';
    const events: BusEvent[] =
      result.change === 'started'
        ? [
            DeployFreezeStarted.build({
              scope,
              since: result.freeze.since,
              incidents: result.freeze.incidents.map(({ incidentId: id, severity }) => ({ incidentId: id, severity })),
            }),
          ]
        : result.change === 'lifted'
          ? [DeployFreezeLifted.build({ scope, since: result.freeze.since })]
          : [];
    const audit = appendToChain(deployFreezeChainId(scope), existing, [result.audit], FREEZE_ACTOR, now);
    if (await deps.freezes.saveFreeze(result.freeze, existing, audit, events)) return result.change;
  }
  throw new Error(`the deploy freeze of ${scope} kept changing while following ${incidentId}; the delivery will be retried`);
}

/**
 * `/firebreak release approve <service> --during-freeze [account]`: approves a release during the
 * freeze under the same CTO / senior policy as release holds; every attempt is audited on the
 * freeze's chain. With several freezes on (scoped by account), the account names which.
 */
export async function approveDuringFreeze(
  input: { service: string; actor: Actor; account?: string },
  deps: DeployFreezeDependencies & { readonly roster: () => Promise<{ members: RosterMember[]; cto: RosterMember }> },
): Promise<Reply> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const active = applicableFreezes(await deps.freezes.activeFreezes(), input.service, input.account);
    if (active.length > 1)
      return {
        ok: false,
        text: escapeSlackText(
          `Several deploy freezes are on (${active.map((f) => scopeName(f.scope)).join(', ')}): name the account, \`/firebreak release approve ${input.service} --during-freeze <account>\`.`,
        ),
      };
    // The index may lag: the freeze itself is read consistently.
    const freeze = active[0] ? await deps.freezes.getFreeze(active[0].scope) : undefined;
    const now = deps.now().toISOString();
    const { members, cto } = await deps.roster();
    const decision = decideFreezeApproval({
      freeze,
      service: input.service,
      actor: input.actor,
      workspaceTeamId: deps.config.slack.teamId,
      member: members.find((m) => m.slackUserId === input.actor.userId),
      cto,
      now,
    });
    const actor = `slack:${input.actor.userId}`;
    if (!decision.allowed) {
      if (!freeze) return { ok: false, text: decision.message };
      const audit = appendToChain(
        deployFreezeChainId(freeze.scope),
        freeze,
        [
          {
            action: 'freeze.approve_refused',
            data: { userId: input.actor.userId, service: input.service, refusal: decision.refusal },
          },
        ],
        actor,
        now,
      );
      // A refusal changes nothing but the chain: the freeze is saved as it was, one revision on.
      if (!(await deps.freezes.saveFreeze({ ...freeze, revision: freeze.revision + 1 }, freeze, audit))) continue;
      return { ok: false, text: decision.message };
    }
    const scope = decision.freeze.scope;
    const audit = appendToChain(
      deployFreezeChainId(scope),
      freeze,
      [
        {
          action: decision.outcome === 'approved' ? 'freeze.release_approved' : 'freeze.approval_recorded',
          data: { userId: input.actor.userId, service: input.service },
        },
      ],
      actor,
      now,
    );
    const events =
      decision.outcome === 'approved'
        ? [FreezeReleaseApproved.build({ scope, since: decision.freeze.since, service: input.service })]
        : [];
    if (!(await deps.freezes.saveFreeze(decision.freeze, freeze, audit, events))) continue;
    return { ok: true, text: decision.message };
  }
  return { ok: false, text: 'The deploy freeze kept changing; try again.' };
}
