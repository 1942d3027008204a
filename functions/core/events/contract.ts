import * as z from '../zod.ts';
import { INCIDENT_ID_PATTERN, MITIGATION_REQUEST_ID_PATTERN, PLAN_HASH_PATTERN } from '../ids.ts';
import { FIREBREAK_SOURCE, type EventPattern } from './bus.ts';

/** An event as a producer hands it to the bus (or to a one-time schedule). */
export interface BusEvent<Detail = object> {
  readonly detailType: string;
  readonly detail: Detail;
}

/**
 * One event on the firebreak bus, declared once: its detail-type, source, version and payload
 * schema. Producers build with it, consumers parse with it, and rules and the local bus route by it.
 * A breaking payload change is a new contract with a new version, never an edit of this one.
 */
export interface EventContract<Schema extends z.ZodMiniType = z.ZodMiniType> {
  readonly detailType: string;
  readonly source: string;
  readonly version: number;
  readonly schema: Schema;
  /** Producer side: the event to publish (typed by the schema; parsed again by every consumer). */
  build(detail: z.input<Schema>): BusEvent<z.input<Schema>>;
  /** Consumer side: the detail as the contract promises it, or a ZodError naming the field. */
  parse(detail: unknown): z.output<Schema>;
}

export function defineEvent<Schema extends z.ZodMiniType>(
  detailType: string,
  schema: Schema,
  options: { readonly version?: number } = {},
): EventContract<Schema> {
  return {
    detailType,
    source: FIREBREAK_SOURCE,
    version: options.version ?? 1,
    schema,
    build: (detail) => ({ detailType, detail }),
    parse: (detail) => schema.parse(detail),
  };
}

/** The rule pattern that delivers exactly these events. */
export function patternFor(contracts: readonly EventContract[]): EventPattern {
  return {
    source: [...new Set(contracts.map((contract) => contract.source))],
    'detail-type': contracts.map((contract) => contract.detailType),
  };
}

/** Ids as Firebreak mints them: the only shapes a consumer accepts. */
export const IncidentIdSchema = z.string().check(z.regex(INCIDENT_ID_PATTERN));
export const RequestIdSchema = z.string().check(z.regex(MITIGATION_REQUEST_ID_PATTERN));
export const PlanHashSchema = z.string().check(z.regex(PLAN_HASH_PATTERN));
/** What names one mitigation request on the bus. */
export const RequestRefSchema = z.object({ incidentId: IncidentIdSchema, requestId: RequestIdSchema });
