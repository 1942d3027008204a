import { patternFor } from './contract.ts';
import { IncidentOpened } from './incident-opened.ts';
import { IncidentRefresh } from './incident-refresh.ts';
import { IncidentResolved } from './incident-resolved.ts';
import { IncidentUpdated } from './incident-updated.ts';
import { MitigationApproved } from './mitigation-approved.ts';
import { MitigationDecided } from './mitigation-decided.ts';
import { MitigationEscalated } from './mitigation-escalated.ts';
import { MitigationFailed } from './mitigation-failed.ts';
import { MitigationProgress } from './mitigation-progress.ts';
import { MitigationRequested } from './mitigation-requested.ts';
import { MitigationSucceeded } from './mitigation-succeeded.ts';
import { PostmortemRequested } from './postmortem-requested.ts';
import { ReleaseHoldLifted } from './release-hold-lifted.ts';
import { SilenceExpired } from './silence-expired.ts';
import { SilenceSet } from './silence-set.ts';

/**
 * Which function consumes which events on the firebreak bus. The stack turns these into rules and
 * the local bus applies the very same patterns.
 */
export const NOTIFY_EVENTS = [
  IncidentOpened,
  IncidentUpdated,
  IncidentResolved,
  MitigationRequested,
  MitigationDecided,
  MitigationEscalated,
  IncidentRefresh,
  ReleaseHoldLifted,
  MitigationProgress,
  MitigationSucceeded,
  MitigationFailed,
  PostmortemRequested,
] as const;
export const NOTIFY_PATTERN = patternFor(NOTIFY_EVENTS);

/** Approvals by people and by policy (pre-approved entries) feed `execute`. */
export const EXECUTE_PATTERN = patternFor([MitigationApproved]);

/** Every event Firebreak's functions put on the firebreak bus. */
export const BUS_EVENTS = [...NOTIFY_EVENTS, MitigationApproved, SilenceSet, SilenceExpired] as const;

/**
 * New incidents feed `propose`: the mitigations their classification proposed become requests; so
 * do failed mitigations that name a rollback to offer.
 */
export const PROPOSE_PATTERN = patternFor([IncidentOpened, MitigationFailed]);
