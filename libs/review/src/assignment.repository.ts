import type { Actor } from '@arbiter/audit';
import { DomainError } from '@arbiter/contracts';
import { Database } from '@arbiter/database';
import { Injectable } from '@nestjs/common';
import { hintOf, messageOf } from './sql-errors.js';

/** What an assignment changed, for the shared line and the people concerned. */
export interface Assignment {
  changed: boolean;
  /** Whom the item was assigned to before (null: the shared line). */
  previous: string | null;
  queueId: string;
  priority: number;
}

/** Who may claim a pending item: its assignee alone, or anyone from the shared line (see assign_item). */
@Injectable()
export class AssignmentRepository {
  constructor(private readonly db: Database) {}

  /** Assigns a pending item to `userId`, or with null to nobody; audited in the same transaction. */
  async assign(itemId: string, userId: string | null, actor: Actor): Promise<Assignment> {
    try {
      const [row] = await this.db.query<{ result: Assignment }>(
        `SELECT assign_item($1, $2, $3, $4, $5) AS result`,
        [itemId, userId, actor.type, actor.id, actor.name],
      );
      return row!.result;
    } catch (error) {
      switch (hintOf(error)) {
        case 'arbiter:no_item':
          throw DomainError.notFound('Item');
        case 'arbiter:not_pending':
          throw new DomainError('CONFLICT', messageOf(error));
        case 'arbiter:not_assignable':
          throw DomainError.validation([{ path: 'userId', message: `userId ${messageOf(error)}` }]);
        default:
          throw error;
      }
    }
  }
}
