import * as z from '../zod.ts';
import { defineEvent } from './contract.ts';
import { FreezeScopeSchema, FreezeSinceSchema } from './deploy-freeze-started.ts';

/** The incidents that froze releases in the scope are resolved: releases go on as usual. */
export const DeployFreezeLifted = defineEvent(
  'Deploy Freeze Lifted',
  z.object({ scope: FreezeScopeSchema, since: FreezeSinceSchema }),
);
