/** Building a bounded {@link Signal} from what a source hands us; shared by every signal normalizer. Pure. */
import { CAPS, capIdentifier, capLink, capList, capText } from '../caps.ts';
import type { EventEnvelope, Signal } from './signal.ts';

/** Turns one validated delivery into signals; `observedAt` is the envelope's time, normalized. */
export type SignalNormalizer = (event: EventEnvelope, observedAt: string) => Signal[];

type SignalInput = Omit<Signal, 'resources' | 'resourcesOmitted' | 'attributes' | 'description'> & {
  description?: string | undefined;
  url?: string | undefined;
  resources: ReadonlyArray<string | undefined>;
  attributes: Record<string, string | undefined>;
};

/**
 * Trims, caps (see `caps.ts`) and de-duplicates what sources hand us, so stored items stay small.
 * The fingerprint is computed afterwards, from the capped signal: rules and dedup then see exactly
 * what the incident stores, and identifiers (subject, kind, resources, attribute values) keep a
 * digest of their whole value when cut, so values that differ only after the cap never merge into
 * one incident.
 */
export function signal(input: SignalInput): Signal {
  const distinct = [
    ...new Set(
      input.resources
        .filter((r): r is string => !!r)
        .map((r) => r.trim())
        .filter(Boolean)
        .map((r) => capIdentifier(r, CAPS.resourceIdBytes)),
    ),
  ];
  const { kept: resources, omitted } = capList(distinct, CAPS.firingResources);
  const attributes = Object.fromEntries(
    Object.entries(input.attributes)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '')
      .slice(0, CAPS.attributeCount)
      .map(([name, value]) => [capIdentifier(name, CAPS.attributeNameBytes), capIdentifier(value, CAPS.attributeValueBytes)]),
  );
  const description = input.description?.trim();
  const url = capLink(input.url, CAPS.urlBytes);
  return {
    source: capIdentifier(input.source, CAPS.sourceBytes),
    kind: capIdentifier(input.kind, CAPS.kindBytes),
    subject: capIdentifier(input.subject.trim(), CAPS.subjectBytes),
    title: capText(input.title.trim(), CAPS.titleBytes),
    ...(description ? { description: capText(description, CAPS.descriptionBytes) } : {}),
    account: capIdentifier(input.account, CAPS.accountBytes),
    region: capIdentifier(input.region, CAPS.regionBytes),
    resources,
    ...(omitted ? { resourcesOmitted: omitted } : {}),
    severityHint: input.severityHint,
    observedAt: input.observedAt,
    state: input.state,
    attributes,
    ...(url ? { url } : {}),
  };
}
