import * as z from '../zod.ts';
import { SERVICE_NAME_PATTERN } from '../ids.ts';
import { defineEvent } from './contract.ts';

/** A service's release hold was lifted under the approval policy: releases may go on. */
export const ReleaseHoldLifted = defineEvent(
  'Release Hold Lifted',
  z.object({ service: z.string().check(z.regex(SERVICE_NAME_PATTERN)) }),
);
