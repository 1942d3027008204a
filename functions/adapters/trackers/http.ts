import type * as z from '../../core/zod.ts';
import { TrackerError } from '../../core/tracker/tracker-answer.ts';

/** Each tracker call gives up after this long: a slow tracker becomes a reported failure, not a stuck step. */
const TIMEOUT_MS = 10_000;

/** One JSON request to a tracker's REST API; the answer parsed with `schema` (undefined for 204). */
export async function trackerRequest<T>(
  what: string,
  url: string,
  init: { method: 'GET' | 'POST' | 'PATCH'; headers: Record<string, string>; body?: unknown },
  schema: z.ZodMiniType<T> | undefined,
  fetchImpl: typeof fetch = fetch,
): Promise<T | undefined> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: init.method,
      headers: { Accept: 'application/json', ...init.headers, ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : 'unreachable';
    throw new TrackerError(`${what}: ${reason}`);
  }
  if (!response.ok) throw new TrackerError(`${what}: HTTP ${response.status}${explain(response.status)}`);
  if (!schema) return undefined;
  const parsed = schema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new TrackerError(`${what}: an answer of unexpected shape`);
  return parsed.data;
}

function explain(status: number): string {
  if (status === 401) return ' (the token was refused)';
  if (status === 403) return ' (the token may not do this, or a rate limit)';
  if (status === 404) return ' (not found, or the token cannot see it)';
  if (status === 429) return ' (rate limited)';
  if (status >= 500) return ' (the tracker failed)';
  return '';
}
