import * as z from '../zod.ts';
import { SERVICE_NAME_PATTERN } from '../ids.ts';
import { defineEvent } from './contract.ts';

/**
 * A watched change made by a service's deployment pipeline during that service's deployment was
 * attached to the deployment instead of opening an incident: notify shows it in the deployment's thread.
 */
export const DeploymentChangeAttached = defineEvent(
  'Deployment Change Attached',
  z.object({
    deploymentId: z.string().check(z.regex(/^DEP-[0-9A-F]{12}$/)),
    service: z.string().check(z.regex(SERVICE_NAME_PATTERN)),
    pipeline: z.string().check(z.minLength(1), z.maxLength(200)),
    /** The how-manieth change attached to this deployment (1 for the first). */
    count: z.number().check(z.int(), z.gte(1)),
    change: z.object({
      at: z.string().check(z.maxLength(64)),
      account: z.string().check(z.maxLength(32)),
      region: z.string().check(z.maxLength(32)),
      watch: z.string().check(z.maxLength(64)),
      what: z.string().check(z.maxLength(200)),
      actor: z.optional(z.string().check(z.maxLength(200))),
      change: z.optional(z.string().check(z.maxLength(200))),
    }),
  }),
);
