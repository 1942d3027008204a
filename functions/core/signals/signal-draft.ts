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
  // Plain loops rather than chains of filter/map/Set/fromEntries: this runs for every signal, and the
  // chains' intermediate arrays were a large share of the core's time.
  const distinct = new Set<string>();
  for (const resource of input.resources) {
    const trimmed = resource?.trim();
    if (trimmed) distinct.add(capIdentifier(trimmed, CAPS.resourceIdBytes));
  }
  const { kept: resources, omitted } = capList([...distinct], CAPS.firingResources);
  // Attribute names are the normalizers' own keys or a monitor's, which its schema restricts to
  // letters and digits (and the structure walk refuses `__proto__` anywhere): plain assignment is safe.
  const attributes: Record<string, string> = {};
  let attributeCount = 0;
  for (const name in input.attributes) {
    const value = input.attributes[name];
    if (typeof value !== 'string' || value === '') continue;
    if (attributeCount++ === CAPS.attributeCount) break;
    attributes[capIdentifier(name, CAPS.attributeNameBytes)] = capIdentifier(value, CAPS.attributeValueBytes);
  }
  const description = input.description?.trim();
  const url = capLink(input.url, CAPS.urlBytes);
  // Built field by field in the order a literal would list them (so it serializes as before): an
  // optional field spread into the middle of a literal made every later field a slow generic store.
  const draft: Draft = {
    source: capIdentifier(input.source, CAPS.sourceBytes),
    kind: capIdentifier(input.kind, CAPS.kindBytes),
    subject: capIdentifier(input.subject.trim(), CAPS.subjectBytes),
    title: capText(input.title.trim(), CAPS.titleBytes),
  };
  if (description) draft.description = capText(description, CAPS.descriptionBytes);
  draft.account = capIdentifier(input.account, CAPS.accountBytes);
  draft.region = capIdentifier(input.region, CAPS.regionBytes);
  draft.resources = resources;
  if (omitted) draft.resourcesOmitted = omitted;
  draft.severityHint = input.severityHint;
  draft.observedAt = input.observedAt;
  draft.state = input.state;
  draft.attributes = attributes;
  if (url) draft.url = url;
  return draft as Signal;
}

/** A signal while it is being built: every field not yet set. */
type Draft = { -readonly [K in keyof Signal]?: Signal[K] };
