import { acknowledgeControlTower } from '../policy/control-tower.ts';
import { denyGrantsExceptForAwsResources } from './logs-key.ts';
import { CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { TABLE } from '../../functions/adapters/dynamodb/table.ts';
import { FIREBREAK_BUS_NAME } from '../../functions/core/events/bus.ts';
import type { FirebreakFunction } from './firebreak-function.ts';

/** The Secrets Manager secret the user fills after deploy (see docs/slack-setup.md). */
export const SLACK_SECRET_NAME = 'firebreak/slack';

/**
 * The logical ids these resources had before the Foundation gathered them (they were created under
 * `Store`, `Ingestion` and `Slack`). They are pinned: a new logical id makes CloudFormation replace
 * the resource, which would mean a new, empty table next to the retained one (the audit trail cut in
 * two), a failed deploy for the bus and the secret (their names are fixed and taken), the Slack
 * credentials and the dead-lettered events lost, and, for the queue policy, the queue left without
 * a policy once the old policy resource is deleted after the new one was applied.
 */
const PINNED_LOGICAL_IDS = {
  key: 'StoreKey7A3C02BD',
  table: 'StoreTable0CCFA19B',
  bus: 'IngestionBus3E30EA7C',
  deadLetterQueue: 'IngestionDeadLetterQueueEB97306D',
  deadLetterQueuePolicy: 'IngestionDeadLetterQueuePolicy4E17AA9F',
  slackSecret: 'SlackSecret0D48E608',
} as const;

export interface FoundationProps {
  /** Name of the Firebreak bus; only tests should change it. */
  readonly busName?: string;
  /** Name of the Slack secret; only tests should change it. */
  readonly slackSecretName?: string;
}

/**
 * What every Firebreak capability stands on, created once and handed to the other constructs as one
 * prop:
 *
 * - the one DynamoDB table (incidents, locks, mitigations, audit trail, roster, deployments) and the
 *   customer-managed key that encrypts it and the Slack secret. The key layout comes from `TABLE`,
 *   shared with the adapters and DynamoDB Local, so the local runtime gets exactly the deployed table.
 *   Both survive `cdk destroy` (RETAIN, deletion protection): the audit trail is evidence;
 * - the `firebreak` bus: custom monitor events in, and every event between functions;
 * - the shared dead-letter queue: failed deliveries, events a handler rejected after its retries,
 *   and schedules Scheduler could not deliver, so there is one place to look and redrive;
 * - the `firebreak/slack` secret (signing secret, bot token, app id).
 *
 * Functions get access only through the grant methods, each of which also sets the environment
 * variable that tells the code where the resource is, so a grant and its variable never drift apart.
 */
export class Foundation extends Construct {
  readonly key: kms.Key;
  readonly table: dynamodb.Table;
  readonly bus: events.EventBus;
  readonly deadLetterQueue: sqs.Queue;
  readonly slackSecret: secretsmanager.Secret;
  /** The secret's name (`firebreak/slack`), as a plain string: what `put-secret-value --secret-id` takes. */
  readonly slackSecretName: string;

  constructor(scope: Construct, id: string, props: FoundationProps = {}) {
    super(scope, id);

    this.key = new kms.Key(this, 'Key', {
      description: 'Firebreak: encrypts the incident and audit table and what its functions write',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    denyGrantsExceptForAwsResources(this.key);

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
      // The relay publishes the outbox items' events from the stream.
      stream: dynamodb.StreamViewType[TABLE.streamView],
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE.byStatusIndex.name,
      partitionKey: { name: TABLE.byStatusIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.byStatusIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: props.busName ?? FIREBREAK_BUS_NAME,
      description: 'Firebreak: custom monitor events in, incident and mitigation events between functions',
    });

    // SQS-managed encryption rather than the table key: EventBridge delivers to a DLQ as the
    // events service, so a customer key would have to trust events.amazonaws.com in the key
    // policy of the key that protects the audit trail. The DLQ only holds events EventBridge
    // already carried.
    this.deadLetterQueue = deadLetterQueue(
      this,
      'DeadLetterQueue',
      "This queue is the dead-letter queue itself (of every EventBridge rule target and schedule, and the functions' on-failure destination); a dead-letter queue of a dead-letter queue would only hide what it holds. It is alarmed and read with `firebreak dlq`.",
    );

    // Created with a random placeholder, never a real credential: the template holds only the
    // generation rule. Until the user puts the real values in, the signing secret is a random
    // string nobody knows (every request fails verification) and the bot token is empty.
    this.slackSecretName = props.slackSecretName ?? SLACK_SECRET_NAME;
    this.slackSecret = new secretsmanager.Secret(this, 'SlackSecret', {
      secretName: this.slackSecretName,
      description:
        'Firebreak Slack app credentials: {"signingSecret":"…","botToken":"xoxb-…","appId":"A…"}. Fill it after deploy (docs/slack-setup.md).',
      encryptionKey: this.key,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ botToken: '', appId: '' }),
        generateStringKey: 'signingSecret',
        passwordLength: 32,
        excludePunctuation: true,
      },
      // The values can be copied again from the Slack app's settings; a retained secret would
      // block the next deploy of the same stack (the name is fixed).
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.slackSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "Slack's signing secret and bot token cannot be rotated by a rotation Lambda: they are regenerated in the Slack app's settings (Basic Information, OAuth & Permissions) and then put into this secret.",
    });

    pinLogicalId(this.key, PINNED_LOGICAL_IDS.key);
    pinLogicalId(this.table, PINNED_LOGICAL_IDS.table);
    pinLogicalId(this.bus, PINNED_LOGICAL_IDS.bus);
    pinLogicalId(this.deadLetterQueue, PINNED_LOGICAL_IDS.deadLetterQueue);
    // The queue policy (child `Policy`), created by enforceSSL; EventBridge rules add their statements to it later.
    const queuePolicy = this.deadLetterQueue.node.tryFindChild('Policy');
    if (!queuePolicy) throw new Error('the dead-letter queue has no policy to pin (enforceSSL creates it)');
    pinLogicalId(queuePolicy, PINNED_LOGICAL_IDS.deadLetterQueuePolicy);
    pinLogicalId(this.slackSecret, PINNED_LOGICAL_IDS.slackSecret);
  }

  /**
   * Read/write on the table (and its indexes) and encrypt/decrypt with the store key, with the
   * cdk-nag acknowledgements that grant brings; sets `TABLE_NAME`.
   */
  grantReadWriteData(fn: FirebreakFunction): void {
    this.table.grantReadWriteData(fn);
    // Also implied by the table grant when the table carries its key; explicit so it survives a change of the table's encryption.
    this.key.grantEncryptDecrypt(fn);
    fn.addEnvironment('TABLE_NAME', this.table.tableName);

    const role = fn.executionRole;
    const kmsReasons: Record<string, string> = {
      'kms:GenerateDataKey*': "DynamoDB and Secrets Manager ask the key for data keys on the caller's behalf",
      'kms:ReEncrypt*': 'part of the encrypt/decrypt grant on the store key',
    };
    for (const [action, why] of Object.entries(kmsReasons)) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `From the table and key grants: ${action} is scoped to the one customer key that encrypts the table and the Slack secret, not to all keys (${why}).`,
      });
    }
    const tableResource = this.table.node.defaultChild as CfnElement;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(tableResource).getLogicalId(tableResource)}.Arn>/index/*]`,
      reason:
        "From the table grant: the table's own indexes (<table arn>/index/*), used to list incidents by status; no other table is reachable.",
    });
  }

  /** `events:PutEvents` on the firebreak bus, and no other bus; sets `EVENT_BUS_NAME`. Only the outbox relay needs it. */
  grantPutEvents(fn: FirebreakFunction): void {
    this.bus.grantPutEventsTo(fn);
    fn.addEnvironment('EVENT_BUS_NAME', this.bus.eventBusName);
  }

  /**
   * `secretsmanager:GetSecretValue` and `DescribeSecret` on the Slack secret only (kms:Decrypt on the
   * store key only through Secrets Manager); sets `SLACK_SECRET_ARN`. Only for functions that talk
   * to Slack themselves.
   */
  grantSlackSecret(fn: FirebreakFunction): void {
    this.slackSecret.grantRead(fn);
    fn.addEnvironment('SLACK_SECRET_ARN', this.slackSecret.secretArn);
  }
}

/**
 * Keeps the resource behind `construct` at `logicalId` through `Stack.renameLogicalId`, so the stack
 * itself (`getLogicalId`, references, cdk-nag resource names) agrees on the pinned id.
 */
function pinLogicalId(construct: IConstruct, logicalId: string): void {
  const resource = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(resource instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource to pin`);
  const stack = Stack.of(resource);
  stack.renameLogicalId(stack.getLogicalId(resource), logicalId);
}

/**
 * A dead-letter queue as the stack makes them: SQS-managed encryption, TLS only, 14 days, with
 * cdk-nag's SQS3 (a queue without its own dead-letter queue) acknowledged for `why`.
 */
export function deadLetterQueue(scope: Construct, id: string, why: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: why });
  acknowledgeControlTower(queue, { sqs_dlq_check: why });
  return queue;
}
