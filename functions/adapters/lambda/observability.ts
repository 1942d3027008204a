import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

// One logger and one metrics emitter per function. Service name and namespace come from the house
// environment (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE). No Tracer: Lambda's active
// tracing records each invocation, and the AWS SDK passes its trace id on (README: Tracing).
export const logger = new Logger();
// Its warnings go through the logger, so they are structured (and silent in local runs).
export const metrics = new Metrics({ logger });
