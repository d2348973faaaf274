// The reminder-due index (SPEC R11: a reminder a few days before closesOn while no claim is
// recorded), and what the daily reminder function reads beside it.
//
//   REMINDER#<YYYY-MM-DD>  <accountId>#<orderId>#<month>   written (plain put: idempotent) with a
//                          window-open notice; the day its reminder falls due in the policy zone
//   CLAIM#<accountId>      <month>#<orderId>#ACCEPTED      the accepted-claim marker (the claims
//                          repository creates it; only its existence is read here)
//   CHECKPOINT             notice-reminders                the last day whose reminders are done

import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { acceptedClaimSk, claimPk, reminderPk, reminderSk } from './keys.ts';
import { batchGetAll, queryPages, type Table } from './table.ts';

/** The CHECKPOINT item of the daily reminder run (its watermark is an epoch day number). */
export const REMINDER_CHECKPOINT = 'notice-reminders';

/** A service month whose reminder falls due on `dueDay`. */
export interface ReminderDue {
  readonly accountId: string;
  readonly orderId: string;
  readonly month: string;
  /** the local day the reminder falls due, `YYYY-MM-DD` */
  readonly dueDay: string;
  /** the claim window's last day when the index item was written */
  readonly closesOn: string;
}

/** Writes (or writes again, unchanged) the index item of a service month's reminder. */
export const putReminderDue = async (table: Table, due: ReminderDue): Promise<void> => {
  const result = await table.client.send(
    new PutItemCommand({
      TableName: table.name,
      Item: {
        pk: { S: reminderPk(due.dueDay) },
        sk: { S: reminderSk(due.accountId, due.orderId, due.month) },
        doc: { S: JSON.stringify(due) },
      },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  table.meter.add('write', result.ConsumedCapacity);
};

/** Every service month whose reminder falls due on `day` (one paged Query). */
export const listRemindersDue = async (table: Table, day: string): Promise<ReminderDue[]> => {
  const due: ReminderDue[] = [];
  await queryPages(
    table,
    {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: reminderPk(day) } },
      ConsistentRead: true,
    },
    (item) => due.push(JSON.parse(item.doc?.S ?? '{}') as ReminderDue),
  );
  return due;
};

/**
 * Which of these service months have an accepted claim (the ACCEPTED marker exists): their keys
 * `<accountId>/<orderId>/<month>`. BatchGetItem, 100 keys a request, strongly consistent.
 */
export const acceptedClaimsAmong = async (
  table: Table,
  keys: readonly { accountId: string; orderId: string; month: string }[],
): Promise<Set<string>> => {
  const claimed = new Set<string>();
  const wanted = keys.map((k) => ({ pk: { S: claimPk(k.accountId) }, sk: { S: acceptedClaimSk(k.month, k.orderId) } }));
  await batchGetAll(table, wanted, true, (item) => {
    const accountId = (item.pk?.S ?? '').slice('CLAIM#'.length);
    const [month = '', orderId = ''] = (item.sk?.S ?? '').split('#');
    claimed.add(`${accountId}/${orderId}/${month}`);
  });
  return claimed;
};
