// The one way a function gets the SLA table: the item actions its code calls, on the table itself
// (it has no index), and the table's customer-managed key. Never grantReadWriteData, which would add
// Scan, DeleteItem, BatchWriteItem and the index ARNs.
import { Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';

/** An item action of DynamoDB, spelled out: no wildcard. */
export type TableAction = `dynamodb:${'BatchGetItem' | 'GetItem' | 'PutItem' | 'Query' | 'UpdateItem'}`;

export const grantTableItems = (
  fn: IFunction,
  table: ITable,
  key: IKey | undefined,
  actions: readonly TableAction[],
): void => {
  fn.addToRolePolicy(new PolicyStatement({ sid: 'SlaTableItems', actions: [...actions], resources: [table.tableArn] }));
  if (key === undefined) return;
  key.grantEncryptDecrypt(fn);
  if (fn.role === undefined) return;
  Validations.of(fn.role).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      reason:
        'Table key grant (grantEncryptDecrypt): DynamoDB uses the table key on the caller’s behalf with the ReEncrypt* family; the statement names only the table’s key.',
    },
    {
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'Table key grant (grantEncryptDecrypt): DynamoDB uses the table key on the caller’s behalf with the GenerateDataKey* family; the statement names only the table’s key.',
    },
  );
};
