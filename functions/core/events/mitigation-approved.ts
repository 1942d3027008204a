import * as z from '../zod.ts';
import { defineEvent, PlanHashSchema, RequestRefSchema } from './contract.ts';

/** A request is approved (by people or by policy) for exactly this plan: execute runs it. */
export const MitigationApproved = defineEvent('Mitigation Approved', z.extend(RequestRefSchema, { planHash: PlanHashSchema }));
