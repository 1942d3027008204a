import * as z from '../zod.ts';

/**
 * The audit notary (`audit` in the configuration): how often it signs the chain heads and how long
 * S3 Object Lock keeps each digest. Every field has a default, so existing configurations stay valid.
 */
export const AuditConfigSchema = z.strictObject({
  /**
   * The stream's batching window: the notary collects audit entries this long before it signs one
   * digest for them (Lambda allows at most 300 s). 0 signs every batch at once.
   */
  digestWindowSeconds: z._default(z.number().check(z.int(), z.gte(0), z.lte(300)), 120),
  /** How long Object Lock keeps each digest from being deleted or overwritten. */
  retentionDays: z._default(z.number().check(z.int(), z.gte(1), z.lte(36_500)), 365),
  /** COMPLIANCE: nobody, root included, can shorten it; GOVERNANCE: a principal with s3:BypassGovernanceRetention can. */
  retentionMode: z._default(z.enum(['COMPLIANCE', 'GOVERNANCE']), 'COMPLIANCE'),
});

export type AuditConfig = z.infer<typeof AuditConfigSchema>;

export const DEFAULT_AUDIT_CONFIG: AuditConfig = { digestWindowSeconds: 120, retentionDays: 365, retentionMode: 'COMPLIANCE' };
