import * as z from '../zod.ts';
import { defineEvent, IncidentIdSchema } from './contract.ts';

/** Asks notify to re-render an incident's message after a coalescing window (a one-time schedule). */
export const IncidentRefresh = defineEvent('Incident Refresh', z.object({ incidentId: IncidentIdSchema }));
