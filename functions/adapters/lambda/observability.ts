import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

// One logger, one metrics emitter and one tracer per function. Service name and namespace come
// from the house environment (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE).
export const logger = new Logger();
// Its warnings go through the logger, so they are structured (and silent in local runs).
export const metrics = new Metrics({ logger });
// Inactive outside Lambda (tests, drills, the CLI): captured clients are returned as they are.
export const tracer = new Tracer();

/** An AWS SDK client whose calls appear as X-Ray subsegments. */
export function traced<Client>(client: Client): Client {
  return tracer.captureAWSv3Client(client);
}
