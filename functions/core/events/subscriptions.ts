import { patternFor } from './contract.ts';
import { IncidentOpened } from './incident-opened.ts';
import { IncidentRefresh } from './incident-refresh.ts';
import { IncidentResolved } from './incident-resolved.ts';
import { IncidentUpdated } from './incident-updated.ts';
import { MitigationApproved } from './mitigation-approved.ts';
import { MitigationCancelFailed } from './mitigation-cancel-failed.ts';
import { MitigationCancelRequested } from './mitigation-cancel-requested.ts';
import { MitigationDecided } from './mitigation-decided.ts';
import { MitigationEscalated } from './mitigation-escalated.ts';
import { MitigationFailed } from './mitigation-failed.ts';
import { MitigationProgress } from './mitigation-progress.ts';
import { MitigationRequested } from './mitigation-requested.ts';
import { MitigationSucceeded } from './mitigation-succeeded.ts';
import { PostmortemRequested } from './postmortem-requested.ts';
import { PatchBatchApproved } from './patch-batch-approved.ts';
import { PatchBatchChanged } from './patch-batch-changed.ts';
import { ReleaseHoldLifted } from './release-hold-lifted.ts';
import { DeploymentChangeAttached } from './deployment-change-attached.ts';
import { DeployFreezeLifted } from './deploy-freeze-lifted.ts';
import { DeployFreezeStarted } from './deploy-freeze-started.ts';
import { FreezeReleaseApproved } from './freeze-release-approved.ts';
import { WorkItemsDelivered } from './work-items-delivered.ts';
import { SilenceExpired } from './silence-expired.ts';
import { SilenceSet } from './silence-set.ts';
import { ConfigurationReviewAcknowledged } from './configuration-review-acknowledged.ts';
import { ConfigurationReviewRecorded } from './configuration-review-recorded.ts';

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
  MitigationCancelFailed,
  PostmortemRequested,
  DeployFreezeStarted,
  DeployFreezeLifted,
  FreezeReleaseApproved,
  DeploymentChangeAttached,
] as const;
export const NOTIFY_PATTERN = patternFor(NOTIFY_EVENTS);

/** Approvals by people and by policy (pre-approved entries) feed `execute`; so do cancels asked from Slack. */
const EXECUTE_EVENTS = [MitigationApproved, MitigationCancelRequested] as const;
export const EXECUTE_PATTERN = patternFor(EXECUTE_EVENTS);

/** Patch batches feed `maintenance`: their Slack message follows every change; an approval registers the window task. */
export const MAINTENANCE_EVENTS = [PatchBatchChanged, PatchBatchApproved] as const;
export const MAINTENANCE_PATTERN = patternFor(MAINTENANCE_EVENTS);

/** Configuration reviews feed `review`: a recorded review is posted, an acknowledged one's message says who reviewed it. */
export const REVIEW_EVENTS = [ConfigurationReviewRecorded, ConfigurationReviewAcknowledged] as const;
export const REVIEW_PATTERN = patternFor(REVIEW_EVENTS);

/** Every event Firebreak's functions put on the firebreak bus. */
export const BUS_EVENTS = [
  ...NOTIFY_EVENTS,
  ...EXECUTE_EVENTS,
  WorkItemsDelivered,
  SilenceSet,
  SilenceExpired,
  ...MAINTENANCE_EVENTS,
  ...REVIEW_EVENTS,
] as const;

/** Every incident announcement feeds `freeze`: the deploy freeze follows the incidents at or above its severity. */
export const FREEZE_EVENTS = [IncidentOpened, IncidentUpdated, IncidentResolved] as const;
export const FREEZE_PATTERN = patternFor(FREEZE_EVENTS);

/** A successful deployment's work items feed `tracker`, which closes them in GitHub and Jira. */
export const TRACKER_PATTERN = patternFor([WorkItemsDelivered]);

/**
 * New incidents feed `propose`: the mitigations their classification proposed become requests; so
 * do failed mitigations that name a rollback to offer.
 */
export const PROPOSE_PATTERN = patternFor([IncidentOpened, MitigationFailed]);
