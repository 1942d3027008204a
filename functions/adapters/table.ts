/**
 * The one DynamoDB table's key layout, shared by the CDK construct, the adapters and the local
 * runtime so that DynamoDB Local gets exactly the table that is deployed.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes the item some time after. */
  ttlAttribute: 'expiresAt',
  /** Lists incidents by status, newest first: gsi1pk = `STATUS#<status>`, gsi1sk = `<first seen ISO>#<id>`. */
  byStatusIndex: { name: 'byStatus', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;
