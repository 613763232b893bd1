import { Injectable } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';

export interface Sql {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** Raw SQL over the TypeORM pool; repositories own every statement. */
@Injectable()
export class Database implements Sql {
  constructor(readonly dataSource: DataSource) {}

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await run<T>(runner, sql, params);
    } finally {
      await runner.release();
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
