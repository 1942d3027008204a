import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import * as z from '../../../functions/core/zod.ts';
import { houseHandler } from '../../../functions/adapters/lambda/house-handler.ts';
import { assertEventSize } from '../../../functions/core/signals/normalize.ts';
import { InvalidEventError } from '../../../functions/core/signals/signal.ts';

const context = { functionName: 'test', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const Schema = z.object({ id: z.string(), detail: z.object({ count: z.number().check(z.int()) }) });

describe('the house handler', () => {
  it('hands the parsed event to the function and returns its result', async () => {
    const handle = vi.fn(async (event: z.infer<typeof Schema>) => event.detail.count * 2);
    const handler = houseHandler({ schema: Schema, handle });
    await expect(handler({ id: 'e-1', detail: { count: 21 }, extra: 'dropped' }, context)).resolves.toBe(42);
    expect(handle).toHaveBeenCalledWith({ id: 'e-1', detail: { count: 21 } }, expect.anything());
  });

  it('refuses an event that does not parse with an InvalidEventError naming the field, before any work', async () => {
    const handle = vi.fn(async () => 'ran');
    const handler = houseHandler({ schema: Schema, handle });
    const error = await handler({ id: 'e-2', detail: { count: 'many' } }, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).field).toBe('detail.count');
    expect(handle).not.toHaveBeenCalled();
  });

  it('runs the precheck on the raw event, so an oversized event is refused whether or not it parses', async () => {
    const handle = vi.fn(async () => 'ran');
    const handler = houseHandler({ schema: Schema, precheck: assertEventSize, handle });
    const huge = { id: 'e-3', detail: { count: 1 }, padding: 'x'.repeat(300 * 1024) };
    const error = await handler(huge, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).reason).toMatch(/EventBridge events are at most/);
    expect(handle).not.toHaveBeenCalled();
  });

  it('lets the function’s own failures through unchanged, so EventBridge retries them', async () => {
    const handler = houseHandler({
      schema: Schema,
      handle: async () => {
        throw new Error('table unavailable');
      },
    });
    await expect(handler({ id: 'e-4', detail: { count: 1 } }, context)).rejects.toThrow('table unavailable');
  });
});
