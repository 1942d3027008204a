/** Failed sign-ins counted across ingest instances (see functions/adapters/dynamodb/signin-failures.ts). */
export interface SigninFailuresPort {
  /** Counts one failure in a key's minute; false when this delivery was counted before or the minute is full. */
  countFailure(burstKey: string, minute: string, signalKey: string, expiresAt: number): Promise<boolean>;
  failuresBetween(burstKey: string, first: string, last: string): Promise<number>;
}
