import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLE } from '../../functions/adapters/dynamodb/table.ts';

/**
 * The one DynamoDB table (incidents, locks, mitigations, audit trail, roster, deployments) and the
 * customer-managed key that encrypts it. The key layout comes from `TABLE`, shared with the
 * adapters and DynamoDB Local, so the local runtime gets exactly the table that is deployed.
 *
 * Both survive `cdk destroy` (RETAIN, deletion protection): the audit trail is evidence.
 */
export class EventStore extends Construct {
  readonly table: dynamodb.Table;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.key = new kms.Key(this, 'Key', {
      description: 'Firebreak: encrypts the incident and audit table and what its functions write',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Table, not TableV2: a global table with a customer key needs a concrete region at synth
    // time, and the stack stays environment-agnostic so `cdk synth` works without credentials.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE.ttlAttribute,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE.byStatusIndex.name,
      partitionKey: { name: TABLE.byStatusIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.byStatusIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
}
