import * as z from '../zod.ts';
import { SERVICE_NAME_PATTERN } from '../ids.ts';
import { defineEvent } from './contract.ts';
import { FreezeScopeSchema, FreezeSinceSchema } from './deploy-freeze-started.ts';

/** A release of a service during a deploy freeze was approved under the approval policy. */
export const FreezeReleaseApproved = defineEvent(
  'Freeze Release Approved',
  z.object({ scope: FreezeScopeSchema, since: FreezeSinceSchema, service: z.string().check(z.regex(SERVICE_NAME_PATTERN)) }),
);
