import { appendAuditEvent, type Actor } from '@arbiter/audit';
import { DomainError, type Role, type UserAccount } from '@arbiter/contracts';
import { Database, isUniqueViolation, type Sql } from '@arbiter/database';
import { Injectable } from '@nestjs/common';

export interface AuthUser {
  id: string;
  email: string;
  roles: Role[];
  disabled: boolean;
  queueIds: string[];
  /** Tokens carry it; a password change or disabling moves it on, ending every earlier token. */
  tokenVersion: number;
}

interface UserRow {
  id: string;
  email: string;
  roles: Role[];
  disabled: boolean;
  token_version: number;
  queues: string[];
  queue_ids: string[];
  created_at: Date;
  updated_at: Date;
}

export interface NewUser {
  email: string;
  passwordHash: string;
  roles: Role[];
  queues: string[];
}

/** A pending item taken back from an assignee who may no longer be assigned it, for the queue's shared line. */
export interface UnassignedItem {
  id: string;
  queueId: string;
  priority: number;
}

export interface UserChange {
  roles?: Role[];
  queues?: string[];
  passwordHash?: string;
  disabled?: boolean;
}

const SELECT_USER = `
  SELECT u.id, u.email, u.roles, u.disabled, u.token_version, u.created_at, u.updated_at,
         coalesce(array_agg(q.slug ORDER BY q.slug) FILTER (WHERE q.id IS NOT NULL), '{}') AS queues,
         coalesce(array_agg(q.id) FILTER (WHERE q.id IS NOT NULL), '{}') AS queue_ids
    FROM users u
    LEFT JOIN queue_members m ON m.user_id = u.id
    LEFT JOIN queues q ON q.id = m.queue_id`;

function toView(row: UserRow): UserAccount {
  return {
    id: row.id,
    email: row.email,
    roles: row.roles,
    queues: row.queues,
    disabled: row.disabled,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

@Injectable()
export class UserRepository {
  constructor(private readonly db: Database) {}

  async findAuthById(id: string): Promise<AuthUser | null> {
    const [row] = await this.db.query<UserRow>(`${SELECT_USER} WHERE u.id = $1 GROUP BY u.id`, [id]);
    return row
      ? {
          id: row.id,
          email: row.email,
          roles: row.roles,
          disabled: row.disabled,
          queueIds: row.queue_ids,
          tokenVersion: row.token_version,
        }
      : null;
  }

  async findCredentialsByEmail(
    email: string,
  ): Promise<{ id: string; passwordHash: string; disabled: boolean } | null> {
    const [row] = await this.db.query<{ id: string; password_hash: string; disabled: boolean }>(
      `SELECT id, password_hash, disabled FROM users WHERE lower(email) = lower($1)`,
      [email],
    );
    return row ? { id: row.id, passwordHash: row.password_hash, disabled: row.disabled } : null;
  }

  /** A stronger hash of the same password: not a password change, so tokens and the audit log are untouched. */
  async replacePasswordHash(id: string, previous: string, next: string): Promise<void> {
    await this.db.query(`UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2`, [
      id,
      previous,
      next,
    ]);
  }

  async findView(id: string): Promise<UserAccount | null> {
    const [row] = await this.db.query<UserRow>(`${SELECT_USER} WHERE u.id = $1 GROUP BY u.id`, [id]);
    return row ? toView(row) : null;
  }

  async list(): Promise<UserAccount[]> {
    const rows = await this.db.query<UserRow>(`${SELECT_USER} GROUP BY u.id ORDER BY u.email`);
    return rows.map(toView);
  }

  async count(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users`);
    return row?.n ?? 0;
  }

  async create(user: NewUser, actor: Actor): Promise<UserAccount> {
    try {
      return await this.db.transaction(async (tx) => {
        const [created] = await tx.query<{ id: string }>(
          `INSERT INTO users (email, password_hash, roles) VALUES ($1, $2, $3) RETURNING id`,
          [user.email, user.passwordHash, user.roles],
        );
        const id = created!.id;
        await setMemberships(tx, id, user.queues);
        const view = await findViewIn(tx, id);
        await appendAuditEvent(tx, {
          actor,
          action: 'user.created',
          subjectType: 'user',
          subjectId: id,
          data: { after: auditable(view) },
        });
        return view;
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new DomainError('CONFLICT', `A user with email ${user.email} exists`);
      throw error;
    }
  }

  /**
   * Changes a user; items assigned to them that they may no longer be assigned (removed from the queue, no
   * longer a reviewer, disabled) are taken back in the same transaction, each audited (see unassign_stranded).
   */
  async update(
    id: string,
    change: UserChange,
    actor: Actor,
  ): Promise<{ user: UserAccount; unassigned: UnassignedItem[] }> {
    return this.db.transaction(async (tx) => {
      const [locked] = await tx.query(`SELECT id FROM users WHERE id = $1 FOR UPDATE`, [id]);
      if (!locked) throw DomainError.notFound('User');
      const before = await findViewIn(tx, id);
      await tx.query(
        `UPDATE users SET roles = coalesce($2, roles), password_hash = coalesce($3, password_hash),
                disabled = coalesce($4, disabled), updated_at = now(),
                token_version = token_version + CASE WHEN $3::text IS NOT NULL OR $4::boolean THEN 1 ELSE 0 END
          WHERE id = $1`,
        [id, change.roles ?? null, change.passwordHash ?? null, change.disabled ?? null],
      );
      if (change.queues) {
        await tx.query(`DELETE FROM queue_members WHERE user_id = $1`, [id]);
        await setMemberships(tx, id, change.queues);
      }
      const after = await findViewIn(tx, id);
      await appendAuditEvent(tx, {
        actor,
        action: 'user.updated',
        subjectType: 'user',
        subjectId: id,
        data: {
          before: auditable(before),
          after: auditable(after),
          passwordChanged: change.passwordHash !== undefined,
        },
      });
      const unassigned = await tx.query<{ id: string; queue_id: string; priority: number }>(
        `SELECT id, queue_id, priority FROM unassign_stranded($1, NULL, $2, $3, $4)`,
        [id, actor.type, actor.id, actor.name],
      );
      return {
        user: after,
        unassigned: unassigned.map((r) => ({ id: r.id, queueId: r.queue_id, priority: r.priority })),
      };
    });
  }
}

async function findViewIn(tx: Sql, id: string): Promise<UserAccount> {
  const [row] = await tx.query<UserRow>(`${SELECT_USER} WHERE u.id = $1 GROUP BY u.id`, [id]);
  return toView(row!);
}

/** Adds memberships by queue slug; an unknown slug fails the whole change. */
async function setMemberships(tx: Sql, userId: string, slugs: string[]): Promise<void> {
  if (slugs.length === 0) return;
  const inserted = await tx.query<{ slug: string }>(
    `INSERT INTO queue_members (user_id, queue_id)
     SELECT $1, q.id FROM queues q WHERE q.slug = ANY($2::text[])
     ON CONFLICT DO NOTHING
     RETURNING (SELECT slug FROM queues WHERE id = queue_id) AS slug`,
    [userId, slugs],
  );
  const known = new Set(inserted.map((r) => r.slug));
  const unknown = [...new Set(slugs)].filter((s) => !known.has(s));
  if (unknown.length > 0) {
    throw DomainError.validation(unknown.map((s) => ({ path: 'queues', message: `unknown queue "${s}"` })));
  }
}

function auditable(view: UserAccount): Record<string, unknown> {
  return { email: view.email, roles: view.roles, queues: view.queues, disabled: view.disabled };
}
