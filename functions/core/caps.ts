/**
 * Caps on every string and list Firebreak stores from outside input, and the deterministic
 * truncation that applies them, so that no valid event can make a DynamoDB item approach its
 * 400 KB limit (or cost hundreds of write units). Applied where input is normalized (signals,
 * deployments) and where audit entries are made. Pure.
 *
 * Caps are in UTF-8 bytes, the unit DynamoDB sizes and bills, so the worst case does not depend on
 * the alphabet. A string over its cap keeps its longest prefix that fits with a visible marker
 * (`… [truncated 1,234 chars]`), never splitting a character (a UTF-16 surrogate pair stays whole).
 * An identifier (resource id, subject, kind, attribute value, version) also carries a digest of the
 * whole value in its marker, so two identifiers that differ only after the cap stay different:
 * dedup, recovery matching and "what changed?" compare identifiers, and must not merge strangers.
 * Truncation depends only on its input, and a capped value is returned unchanged when capped again.
 */
import { createHash } from 'node:crypto';

export const CAPS = {
  // --- signals and the incident (the incident item is rewritten on every repeat signal) ---
  /** Incident title (monitors may send 300 characters; AWS titles are unbounded). */
  titleBytes: 300,
  /** Incident description (monitors may send 2,000 characters; Slack shows 1,500). */
  descriptionBytes: 768,
  /** A link; a longer one is dropped rather than cut (a cut link leads somewhere else). */
  urlBytes: 512,
  /** The dedup subject (alarm ARN, instance id, CVE, monitor subject). */
  subjectBytes: 256,
  /** What happened within the source (finding type, control id). */
  kindBytes: 128,
  /** EventBridge source; the envelope schema already bounds it to 256 characters. */
  sourceBytes: 256,
  /** Account and region as the envelope names them (schema: 64 characters each). */
  accountBytes: 64,
  regionBytes: 64,
  /** One resource id (instance id, ARN). */
  resourceIdBytes: 256,
  /** A signal's resources, and the incident's firing resources (recovery tracking): 100 instance ids fit. */
  firingResources: { count: 100, bytes: 2_048 },
  /** The incident's resources (shown, targeted, matched with deployments): 50 instance ids, the most a mitigation targets by id. */
  incidentResources: { count: 50, bytes: 1_024 },
  /** Source attributes rules match on (never stored): count, name and value. */
  attributeCount: 32,
  attributeNameBytes: 64,
  attributeValueBytes: 256,

  // --- deployment records and release holds ---
  versionBytes: 128,
  executionIdBytes: 256,
  groupBytes: 128,
  /** A commit sha, or free text from a CI notice. */
  commitBytes: 256,
  commitMessageBytes: 512,
  actorBytes: 128,
  /** Why the source says it failed (ECS, CloudFormation). */
  reasonBytes: 512,
  linkBytes: 1_024,
  /** What a deployment record keeps of what was deployed. */
  deploymentResources: { count: 10, bytes: 1_024 },
  holdReasonBytes: 512,

  // --- audit entries (incident and release-hold chains) ---
  /** Any one string in an entry's data. */
  auditStringBytes: 512,
  /** Entries kept of any list, and keys of any map, in an entry's data. */
  auditListCount: 20,
  auditKeyCount: 32,
  /** A signal's resources as its `signal.recorded` entry keeps them. */
  auditResources: { count: 20, bytes: 1_024 },
  /** The whole data, as canonical JSON: over it, the data is replaced by its size and digest. */
  auditDataBytes: 4_096,
} as const;

/** A list cap: at most `count` entries, whose UTF-8 bytes (plus DynamoDB's 1 byte per list element) total at most `bytes`. */
export interface ListCap {
  readonly count: number;
  readonly bytes: number;
}

/** The smallest cap a string may have: room for the longest marker and some of the value. */
const MIN_CAP_BYTES = 64;

/** UTF-8 size of a string, as DynamoDB counts it (a lone surrogate is encoded as U+FFFD, 3 bytes). */
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Free text over `maxBytes`: its longest prefix that fits with `… [truncated N chars]`. */
export function capText(text: string, maxBytes: number): string {
  return cut(text, maxBytes, (omitted) => `… [truncated ${grouped(omitted)} chars]`);
}

/**
 * An identifier over `maxBytes`: its longest prefix that fits with `… [truncated N chars #<digest>]`,
 * the digest being the first 16 hex digits of the SHA-256 of the whole value, so that identifiers
 * differing only after the cap stay distinct.
 */
export function capIdentifier(text: string, maxBytes: number): string {
  return cut(text, maxBytes, (omitted) => `… [truncated ${grouped(omitted)} chars #${digest(text)}]`);
}

/**
 * The first entries that fit a list cap, in order (it stops at the first entry that does not fit,
 * so what is kept is always a prefix), and how many were left out.
 */
export function capList(items: readonly string[], cap: ListCap): { kept: string[]; omitted: number } {
  const kept: string[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = utf8Bytes(item) + 1;
    if (kept.length >= cap.count || bytes + size > cap.bytes) break;
    kept.push(item);
    bytes += size;
  }
  return { kept, omitted: items.length - kept.length };
}

/** A link within `maxBytes`, or undefined: a link is dropped rather than cut. */
export const capLink = (url: string | undefined, maxBytes: number): string | undefined =>
  url !== undefined && utf8Bytes(url) <= maxBytes ? url : undefined;

/** A plain-language marker for a count of entries left out of a list: `… 12 more`. */
export const moreMarker = (omitted: number): string => `… ${grouped(omitted)} more`;

function cut(text: string, maxBytes: number, marker: (omittedChars: number) => string): string {
  if (maxBytes < MIN_CAP_BYTES) throw new RangeError(`a cap must be at least ${MIN_CAP_BYTES} bytes, not ${maxBytes}`);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most strings fit without being counted.
  if (text.length * 3 <= maxBytes || utf8Bytes(text) <= maxBytes) return text;
  // Code points, so a surrogate pair is never split; the marker is sized for the most that could be
  // omitted (all of them), so the real one (fewer digits or as many) always fits.
  const chars = Array.from(text);
  const budget = maxBytes - utf8Bytes(marker(chars.length));
  let used = 0;
  let kept = 0;
  for (const char of chars) {
    const size = utf8Bytes(char);
    if (used + size > budget) break;
    used += size;
    kept++;
  }
  return `${chars.slice(0, kept).join('')}${marker(chars.length - kept)}`;
}

const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** 1234567 -> "1,234,567", independent of the locale. */
const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
