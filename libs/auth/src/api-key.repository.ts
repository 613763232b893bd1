import { appendAuditEvent, type Actor } from '@arbiter/audit';
import { type ApiKey, DomainError } from '@arbiter/contracts';
import { Database } from '@arbiter/database';
import { Injectable } from '@nestjs/common';

export interface ActiveApiKey {
  id: string;
  service: string;
  queueIds: string[];
}

export interface NewApiKey {
  service: string;
  keyHash: string;
  prefix: string;
  webhookSecret: string;
  queues: string[];
  createdBy: string | null;
}

interface ApiKeyRow {
  id: string;
  service: string;
  key_prefix: string;
  queues: string[];
  queue_ids: string[];
  created_at: Date;
  revoked_at: Date | null;
}

const SELECT_KEY = `
  SELECT k.id, k.service, k.key_prefix, k.created_at, k.revoked_at,
         coalesce(array_agg(q.slug ORDER BY q.slug) FILTER (WHERE q.id IS NOT NULL), '{}') AS queues,
         coalesce(array_agg(q.id) FILTER (WHERE q.id IS NOT NULL), '{}') AS queue_ids
    FROM api_keys k
    LEFT JOIN api_key_queues kq ON kq.api_key_id = k.id
    LEFT JOIN queues q ON q.id = kq.queue_id`;

function toView(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    service: row.service,
    prefix: row.key_prefix,
    queues: row.queues,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly db: Database) {}

  async findActiveByHash(keyHash: string): Promise<ActiveApiKey | null> {
    const [row] = await this.db.query<ApiKeyRow>(
      `${SELECT_KEY} WHERE k.key_hash = $1 AND k.revoked_at IS NULL GROUP BY k.id`,
      [keyHash],
    );
    return row ? { id: row.id, service: row.service, queueIds: row.queue_ids } : null;
  }

  async list(): Promise<ApiKey[]> {
    const rows = await this.db.query<ApiKeyRow>(`${SELECT_KEY} GROUP BY k.id ORDER BY k.created_at`);
    return rows.map(toView);
  }

  async create(key: NewApiKey, actor: Actor): Promise<ApiKey> {
    return this.db.transaction(async (tx) => {
      const [created] = await tx.query<{ id: string }>(
        `INSERT INTO api_keys (service, key_prefix, key_hash, webhook_secret, created_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [key.service, key.prefix, key.keyHash, key.webhookSecret, key.createdBy],
      );
      const id = created!.id;
      const linked = await tx.query<{ slug: string }>(
        `INSERT INTO api_key_queues (api_key_id, queue_id)
         SELECT $1, q.id FROM queues q WHERE q.slug = ANY($2::text[])
         RETURNING (SELECT slug FROM queues WHERE id = queue_id) AS slug`,
        [id, key.queues],
      );
      const known = new Set(linked.map((r) => r.slug));
      const unknown = [...new Set(key.queues)].filter((s) => !known.has(s));
      if (unknown.length > 0) {
        throw DomainError.validation(
          unknown.map((s) => ({ path: 'queues', message: `unknown queue "${s}"` })),
        );
      }
      const [row] = await tx.query<ApiKeyRow>(`${SELECT_KEY} WHERE k.id = $1 GROUP BY k.id`, [id]);
      const view = toView(row!);
      await appendAuditEvent(tx, {
        actor,
        action: 'apikey.created',
        subjectType: 'apikey',
        subjectId: id,
        data: { after: { service: view.service, prefix: view.prefix, queues: view.queues } },
      });
      return view;
    });
  }

  /** Revokes a key; revoking an already revoked key changes nothing and records nothing. */
  async revoke(id: string, actor: Actor): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [row] = await tx.query<{ service: string; revoked_at: Date | null }>(
        `SELECT service, revoked_at FROM api_keys WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!row) throw DomainError.notFound('API key');
      if (row.revoked_at) return;
      await tx.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [id]);
      await appendAuditEvent(tx, {
        actor,
        action: 'apikey.revoked',
        subjectType: 'apikey',
        subjectId: id,
        data: { service: row.service },
      });
    });
  }
}
