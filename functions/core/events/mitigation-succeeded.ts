import * as z from 'zod';
import { defineEvent, RequestRefSchema } from './contract.ts';

/** A mitigation run ended in success. */
export const MitigationSucceeded = defineEvent('Mitigation Succeeded', RequestRefSchema.extend({ final: z.literal(true) }));
