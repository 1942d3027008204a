import * as z from '../zod.ts';
import { SeveritySchema } from '../vocabulary.ts';
import { IncidentIdSchema, defineEvent } from './contract.ts';

/** Scope of a deploy freeze: `global`, a 12-digit account id, or `service:<name>`. */
export const FreezeScopeSchema = z.string().check(z.regex(/^(global|\d{12}|service:[A-Za-z0-9._@-]{1,255})$/));
/** When the freeze began: with the scope, it names one freeze, so its announcements go out once. */
export const FreezeSinceSchema = z.iso.datetime();

/** An incident at or above the freeze severity opened: releases in the scope need approval. */
export const DeployFreezeStarted = defineEvent(
  'Deploy Freeze Started',
  z.object({
    scope: FreezeScopeSchema,
    since: FreezeSinceSchema,
    incidents: z
      .array(z.object({ incidentId: IncidentIdSchema, severity: SeveritySchema }))
      .check(z.minLength(1), z.maxLength(20)),
  }),
);
