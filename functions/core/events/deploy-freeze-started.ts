import * as z from 'zod';
import { SeveritySchema } from '../config.ts';
import { IncidentIdSchema, defineEvent } from './contract.ts';

/** Scope of a deploy freeze: `global` or a 12-digit account id. */
export const FreezeScopeSchema = z.string().regex(/^(global|\d{12})$/);

/** An incident at or above the freeze severity opened: releases in the scope need approval. */
export const DeployFreezeStarted = defineEvent(
  'Deploy Freeze Started',
  z.object({
    scope: FreezeScopeSchema,
    incidents: z
      .array(z.object({ incidentId: IncidentIdSchema, severity: SeveritySchema }))
      .min(1)
      .max(20),
  }),
);
