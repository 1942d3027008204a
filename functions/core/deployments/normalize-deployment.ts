/**
 * A raw delivery of a deployment event, validated and normalized into a {@link DeploymentRecord}.
 * Pure: throws InvalidEventError naming the field, or UnsupportedSourceError.
 */
import { canonicalJson, sha256 } from '../audit/chain.ts';
import { CAPS, capIdentifier, capLink, capList, capText } from '../caps.ts';
import { ENVIRONMENT_PATTERN } from '../vocabulary.ts';
import { assertEventSize, parseWith } from '../signals/normalize.ts';
import { EventEnvelopeSchema, InvalidEventError, UnsupportedSourceError, type EventEnvelope } from '../signals/signal.ts';
import { DEFAULT_DEPLOYMENTS_CONFIG, type EnvironmentOf } from './deployment-environments.ts';
import { deploymentNormalizer, type Draft } from './deployment-normalizers.ts';
import { optional, withDuration, type DeploymentRecord } from './deployment-record.ts';
import { IsoTime } from './deploy-notice-schema.ts';

export interface NormalizeDeploymentOptions {
  /** Names the environment of deployments from AWS sources; default: everything is `production`. */
  readonly environmentOf?: EnvironmentOf;
}

/** Validates a raw delivery (size, envelope) and normalizes it. Throws InvalidEventError naming the field. */
export function normalizeDeploymentEvent(
  raw: unknown,
  options: NormalizeDeploymentOptions = {},
): { envelope: EventEnvelope; record: DeploymentRecord } {
  assertEventSize(raw);
  const envelope = parseWith(EventEnvelopeSchema, raw, '');
  return { envelope, record: normalizeDeployment(envelope, options) };
}

/**
 * One deployment record from an envelope that passed EventEnvelopeSchema. The record's id depends
 * on the execution, never on the status. Throws InvalidEventError naming the field, or
 * UnsupportedSourceError for an event no deployment rule routes here.
 */
export function normalizeDeployment(envelope: EventEnvelope, options: NormalizeDeploymentOptions = {}): DeploymentRecord {
  const normalizer = deploymentNormalizer(envelope.source, envelope['detail-type']);
  if (!normalizer) throw new UnsupportedSourceError(envelope.source, envelope['detail-type']);
  const at = isoTime(envelope.time, 'time');
  const environmentOf = options.environmentOf ?? (() => DEFAULT_DEPLOYMENTS_CONFIG.defaultEnvironment);
  const draft = normalizer(envelope, at);
  const environment =
    draft.environment ??
    environmentOf({
      service: draft.service,
      source: envelope.source,
      account: envelope.account,
      region: envelope.region,
      ...(draft.group ? { group: draft.group } : {}),
    });
  if (!ENVIRONMENT_PATTERN.test(environment))
    throw new InvalidEventError(
      'environment',
      `"${environment.slice(0, 40)}" from the environment mapping is not 1-32 lower-case letters, digits and dashes`,
    );
  return record(envelope, { ...draft, environment });
}

/**
 * The record, with every stored string and list capped (`caps.ts`) whatever the source: the id is
 * computed first, from the whole key, so values that differ only after a cap stay distinct records.
 */
function record(event: EventEnvelope, draft: Draft & { environment: string }): DeploymentRecord {
  const { key, resources, version, executionId, group, commit, commitMessage, actor, reason, link, ...rest } = draft;
  const id = `DEP-${sha256(canonicalJson([event.source, event.account, event.region, ...key]))
    .slice(0, 12)
    .toUpperCase()}`;
  const distinct = [
    ...new Set(
      [...(resources ?? []), ...event.resources]
        .map((r) => r.trim())
        .filter(Boolean)
        .map((r) => capIdentifier(r, CAPS.resourceIdBytes)),
    ),
  ];
  return withDuration({
    id,
    source: event.source,
    ...rest,
    executionId: capIdentifier(executionId, CAPS.executionIdBytes),
    version: capIdentifier(version, CAPS.versionBytes),
    ...optional('group', group === undefined ? undefined : capIdentifier(group, CAPS.groupBytes)),
    ...optional('commit', commit === undefined ? undefined : capText(commit, CAPS.commitBytes)),
    ...optional('commitMessage', commitMessage === undefined ? undefined : capText(commitMessage, CAPS.commitMessageBytes)),
    ...optional('actor', actor === undefined ? undefined : capText(actor, CAPS.actorBytes)),
    ...optional('reason', reason === undefined ? undefined : capText(reason, CAPS.reasonBytes)),
    ...optional('link', capLink(link, CAPS.linkBytes)),
    resources: capList(distinct, CAPS.deploymentResources).kept,
    account: event.account,
    region: event.region,
  });
}

/** Strict: a date that does not exist (2022-04-31) is refused, not rolled over to the next month. */
function isoTime(value: string, field: string): string {
  if (!IsoTime.safeParse(value).success)
    throw new InvalidEventError(field, `"${value.slice(0, 40)}" is not a real ISO 8601 date and time`);
  return new Date(Date.parse(value)).toISOString();
}
