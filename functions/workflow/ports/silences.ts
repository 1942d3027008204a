import type { AuditEntry } from '../../core/audit/chain.ts';
import type { BusEvent } from '../../core/events/contract.ts';
import type { Silence } from '../../core/silences/silence.ts';

/** Silences as stored, with the head of each one's audit chain. */
export interface SilencesPort {
  getSilence(id: string): Promise<(Silence & { auditSeq: number; auditHead: string }) | undefined>;
  listSilences(): Promise<Silence[]>;
  saveSilence(
    silence: Silence,
    previous: { version: number; auditSeq: number; auditHead: string } | undefined,
    audit: readonly AuditEntry[],
    events: readonly BusEvent[],
  ): Promise<boolean>;
}
