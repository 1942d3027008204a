import { defineEvent } from './contract.ts';
import { SilenceRefSchema } from './silence-ref.ts';

/** A silence ended at its time: matching incidents are announced again. */
export const SilenceExpired = defineEvent('Silence Expired', SilenceRefSchema);
