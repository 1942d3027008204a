/**
 * The Powertools Tracer's surface that Firebreak uses, doing nothing: only for the bench's bundle
 * built without the Tracer (bench/cold-start.ts), to measure what tracing costs a cold start. Never
 * deployed.
 */
export class Tracer {
  captureAWSv3Client<Client>(client: Client): Client {
    return client;
  }
}

export const captureLambdaHandler = () => ({ before: () => undefined });
