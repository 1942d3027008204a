import type { BusEvent } from '../../core/events/contract.ts';
import type { Incident } from '../../core/incidents/incident.ts';
import type { ChangeRecord } from '../../core/signals/change-record.ts';
import type { CommitResult, CommittedDecision, ProcessedEvent } from '../../core/persistence.ts';

/** What ingest needs from persistence: the incident a fingerprint points at, and one atomic commit per signal. */
export interface IngestIncidentsPort {
  /**
   * The incident a fingerprint points at. `firstIncidentAbsent`: an eventually consistent read just
   * found no first incident for it, so only a fingerprint lock from before derived ids is looked for
   * (a stale answer only makes the new incident's conditional put fail, and the retry reads strongly).
   */
  findByFingerprint(fingerprint: string, hint?: { readonly firstIncidentAbsent?: boolean }): Promise<Incident | undefined>;
  /**
   * One eventually consistent read each (half the read units) of the signal's marker and of the
   * fingerprint's first incident, in parallel: what an earlier delivery did, when the marker or the
   * incident's opening digest (kept for good) shows it, and whether that incident was there at all.
   */
  findEarlierDelivery(
    signalKey: string,
    fingerprint: string | undefined,
  ): Promise<{ readonly processed?: ProcessedEvent; readonly firstIncidentAbsent: boolean }>;
  getIncident(id: string): Promise<Incident | undefined>;
  /**
   * What an earlier delivery of this signal did, if it committed. `eventual`: an eventually consistent
   * read (half the read units), which may miss a marker committed within about a second.
   */
  getProcessedEvent(signalKey: string, consistency?: 'strong' | 'eventual'): Promise<ProcessedEvent | undefined>;
  /**
   * The decision's incident change(s), audit entries, fingerprint lock, processed-event marker and
   * the events announcing them, all or nothing (a coalesced repeat: the incident's conditional update,
   * then its marker): `duplicate` when the signal was processed before,
   * `conflict` when the incident moved on.
   */
  /** Records that a signal found on its incident's recent digests was processed (its own marker may be missing). */
  markProcessed(signalKey: string, incidentId: string, markerExpiresAt: number): Promise<void>;
  commit(
    decision: CommittedDecision,
    signalKey: string,
    markerExpiresAt: number,
    events: readonly BusEvent[],
    /** A watched configuration or access change, kept for "What changed?" with the same TTL as the marker. */
    change?: ChangeRecord,
  ): Promise<CommitResult>;
}
