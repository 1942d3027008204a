/** Building a bounded {@link Signal} from what a source hands us; shared by every signal normalizer. Pure. */
import type { EventEnvelope, Signal } from './signal.ts';

export const MAX_TITLE = 300;
export const MAX_DESCRIPTION = 2000;
export const MAX_RESOURCES = 100;

/** Turns one validated delivery into signals; `observedAt` is the envelope's time, normalized. */
export type SignalNormalizer = (event: EventEnvelope, observedAt: string) => Signal[];

type SignalInput = Omit<Signal, 'resources' | 'attributes' | 'description'> & {
  description?: string | undefined;
  url?: string | undefined;
  resources: ReadonlyArray<string | undefined>;
  attributes: Record<string, string | undefined>;
};

/** Trims, bounds and de-duplicates what sources hand us, so stored items stay small. */
export function signal(input: SignalInput): Signal {
  const resources = [
    ...new Set(
      input.resources
        .filter((r): r is string => !!r)
        .map((r) => r.trim())
        .filter(Boolean),
    ),
  ].slice(0, MAX_RESOURCES);
  const attributes = Object.fromEntries(
    Object.entries(input.attributes).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '',
    ),
  );
  const description = input.description?.trim().slice(0, MAX_DESCRIPTION);
  return {
    source: input.source,
    kind: input.kind.slice(0, 256),
    subject: input.subject.trim().slice(0, 1024),
    title: input.title.trim().slice(0, MAX_TITLE),
    ...(description ? { description } : {}),
    account: input.account,
    region: input.region,
    resources,
    severityHint: input.severityHint,
    observedAt: input.observedAt,
    state: input.state,
    attributes,
    ...(input.url ? { url: input.url } : {}),
  };
}
