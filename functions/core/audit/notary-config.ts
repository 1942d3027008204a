import * as z from 'zod';

/**
 * The audit notary (`audit` in the configuration): how often it signs the chain heads and how long
 * S3 Object Lock keeps each digest. Every field has a default, so existing configurations stay valid.
 */
export const AuditConfigSchema = z
  .object({
    /**
     * The stream's batching window: the notary collects audit entries this long before it signs one
     * digest for them (Lambda allows at most 300 s). 0 signs every batch at once.
     */
    digestWindowSeconds: z.number().int().min(0).max(300).default(120),
    /** How long Object Lock keeps each digest from being deleted or overwritten. */
    retentionDays: z.number().int().min(1).max(36_500).default(365),
    /** COMPLIANCE: nobody, root included, can shorten it; GOVERNANCE: a principal with s3:BypassGovernanceRetention can. */
    retentionMode: z.enum(['COMPLIANCE', 'GOVERNANCE']).default('COMPLIANCE'),
  })
  .strict();

export type AuditConfig = z.infer<typeof AuditConfigSchema>;

export const DEFAULT_AUDIT_CONFIG: AuditConfig = { digestWindowSeconds: 120, retentionDays: 365, retentionMode: 'COMPLIANCE' };
