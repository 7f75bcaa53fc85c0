/**
 * The single table, exactly as lib/store/table.ts lays it out: the key names come from there so the
 * stack, the DynamoDB adapter and local mode cannot disagree.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../../lib/store/table';

export interface TunerTableProps {
  /** Physical table name (carries the environment). */
  readonly tableName: string;
  /** Keep the table and its data when the stack is deleted or a change would replace it. */
  readonly persistent: boolean;
  /** DynamoDB deletion protection (persistent tables only). */
  readonly deletionProtection: boolean;
}

export class TunerTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: TunerTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      // Pay per request: an idle study costs nothing but storage.
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      // Kept once it exists, but not when the deploy that created it rolls back: an empty table left by a
      // failed first deploy would hold the name and fail the next one with "already exists". (With
      // deletion protection on, that rollback cannot delete it: see deletionProtection in config.ts.)
      removalPolicy: props.persistent ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY,
      deletionProtection: props.deletionProtection,
    });
    // LSI: a run by id, and every run's value at one step (pruners), both strongly consistent.
    this.table.addLocalSecondaryIndex({
      indexName: TABLE_KEYS.lsi1.indexName,
      sortKey: { name: TABLE_KEYS.lsi1.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    // Sparse GSI: studies by creation time, running runs by deadline (the sweeper's worklist).
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_KEYS.gsi1.indexName,
      partitionKey: { name: TABLE_KEYS.gsi1.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.gsi1.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
  }
}
