import * as z from 'zod';
import { SERVICE_NAME_PATTERN } from '../ids.ts';
import { defineEvent } from './contract.ts';

/**
 * A watched change made by a service's deployment pipeline during that service's deployment was
 * attached to the deployment instead of opening an incident: notify shows it in the deployment's thread.
 */
export const DeploymentChangeAttached = defineEvent(
  'Deployment Change Attached',
  z.object({
    deploymentId: z.string().regex(/^DEP-[0-9A-F]{12}$/),
    service: z.string().regex(SERVICE_NAME_PATTERN),
    pipeline: z.string().min(1).max(200),
    /** The how-manieth change attached to this deployment (1 for the first). */
    count: z.number().int().min(1),
    change: z.object({
      at: z.string().max(64),
      account: z.string().max(32),
      region: z.string().max(32),
      watch: z.string().max(64),
      what: z.string().max(200),
      actor: z.string().max(200).optional(),
      change: z.string().max(200).optional(),
    }),
  }),
);
