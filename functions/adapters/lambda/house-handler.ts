import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from '../../core/zod.ts';
import { invalidEventFromIssues } from '../../core/signals/normalize.ts';
import { assertEventStructure } from '../../core/signals/event-structure.ts';
import { InvalidEventError } from '../../core/signals/signal.ts';
import { logger, metrics } from './observability.ts';

type Parsed<Event> =
  { success: true; data: Event } | { success: false; error: Error & { cause?: unknown }; originalEvent: unknown };

export interface HouseHandlerOptions<Schema extends z.ZodMiniType, Result> {
  /** What every event this function receives must look like (zod, through the Powertools parser). */
  readonly schema: Schema;
  /** A check of the raw event before it is parsed (the event size, say); throws InvalidEventError. */
  readonly precheck?: (raw: unknown) => void;
  /** The function's work, on a parsed event. */
  readonly handle: (event: z.output<Schema>, context: Context) => Promise<Result>;
}

/**
 * The house Lambda handler: the logger's Lambda context, metrics flushed per invocation,
 * and parsing. An event that does not parse is thrown as an InvalidEventError naming the field, so
 * EventBridge retries it and then dead-letters it, with the reason (never the payload) in the log.
 */
export function houseHandler<Schema extends z.ZodMiniType, Result>(options: HouseHandlerOptions<Schema, Result>) {
  return middy(async (event: Parsed<z.output<Schema>>, context: Context): Promise<Result> => {
    if (!event.success) throw invalidEventFromIssues((event.error.cause as Parameters<typeof invalidEventFromIssues>[0]) ?? []);
    return options.handle(event.data, context);
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use({
      // Depth and prototype keys first, for every function: nothing below walks a hostile structure.
      before: (request) => {
        assertEventStructure(request.event);
        options.precheck?.(request.event);
      },
    })
    .use(parser({ schema: options.schema, safeParse: true }))
    .onError(async (request) => {
      if (!(request.error instanceof InvalidEventError)) return;
      metrics.addMetric('event_invalid', MetricUnit.Count, 1);
      logger.error('invalid event, sent to the dead-letter queue after retries', {
        field: request.error.field,
        reason: request.error.reason,
        eventId: idOf(request.event),
      });
    });
}

/** The event's id, if it has one, for the log (raw or parsed). */
function idOf(event: unknown): string | undefined {
  const raw = typeof event === 'object' && event !== null && 'success' in event ? unwrap(event as Parsed<unknown>) : event;
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id.slice(0, 256) : undefined;
}

function unwrap(event: Parsed<unknown>): unknown {
  return event.success ? event.data : event.originalEvent;
}
