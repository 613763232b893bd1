import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { type DataSource, QueryFailedError, type QueryRunner, TypeORMError } from 'typeorm';

export interface Sql {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** Raw SQL over the TypeORM pool; repositories own every statement. */
@Injectable()
export class Database implements Sql {
  constructor(readonly dataSource: DataSource) {}

  /**
   * One statement on a connection of TypeORM's pool, taken straight from the pool: TypeORM's query runner
   * adds events, logging and bookkeeping around each statement, and the review loop makes two a decision.
   * A failure is thrown as TypeORM's own QueryFailedError, as from a transaction.
   */
  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const pool = (this.dataSource.driver as unknown as { master?: Pool }).master;
    if (!pool) throw new TypeORMError('Driver not Connected');
    const client = await pool.connect();
    // A connection lost while the statement runs emits 'error' on the client; unheard, it would be thrown.
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost = error;
    };
    client.on('error', onError);
    try {
      return (await client.query(sql, params)).rows as T[];
    } catch (error) {
      throw new QueryFailedError(sql, params, error as Error);
    } finally {
      client.removeListener('error', onError);
      // With the error, the pool discards the connection instead of handing it out again.
      client.release(lost);
    }
  }

  /** Runs `work` in one transaction; it commits when `work` resolves and rolls back when it throws. */
  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      const result = await work({ query: (sql, params = []) => run(runner, sql, params) });
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }
}

async function run<T>(runner: QueryRunner, sql: string, params: unknown[]): Promise<T[]> {
  const result = await runner.query(sql, params, true);
  return result.records as T[];
}

/** True when `error` is a PostgreSQL unique-constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  return pgCode(error) === '23505';
}

export function pgCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}
