import * as z from '../zod.ts';
import { defineEvent, RequestRefSchema } from './contract.ts';

/** A mitigation run ended in success. */
export const MitigationSucceeded = defineEvent('Mitigation Succeeded', z.extend(RequestRefSchema, { final: z.literal(true) }));
