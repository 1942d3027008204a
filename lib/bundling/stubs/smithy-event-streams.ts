/**
 * Stands in for `@smithy/core/event-streams` in Lambda bundles (see LAMBDA_ALIASES). The AWS SDK loads
 * the event-stream serde only for an operation whose input or output has an event-stream member;
 * no operation Firebreak's functions call has one. Clients still wire a marshaller at construction
 * (S3's `resolveEventStreamSerdeConfig`), so that wiring is kept and only its use fails, loudly.
 */
const NOT_BUNDLED =
  'AWS SDK event streams are not in this bundle: no operation Firebreak calls streams events (see lib/bundling/lambda-bundling.ts)';

function notBundled(): never {
  throw new Error(NOT_BUNDLED);
}

/** As the SDK's: a client's configuration gets the marshaller its provider makes. */
export const resolveEventStreamSerdeConfig = <T extends { eventStreamSerdeProvider: (input: T) => unknown }>(input: T) =>
  Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });

/** A marshaller that fails when asked to (de)serialize an event stream. */
export const eventStreamSerdeProvider = () => ({ serialize: notBundled, deserialize: notBundled });

/** Built by the SDK's HttpProtocol only to (de)serialize an event stream. */
export class EventStreamSerde {
  constructor() {
    notBundled();
  }
}
