import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';

/**
 * The live SQL functions and triggers, one file each in `functions/`, in the order they are applied: a file may
 * use what an earlier one defines.
 */
export const FUNCTION_FILES = [
  'append_only',
  'items_enqueue_delivery',
  'verdict_status',
  'uuid_v7_at',
  'lookalike_id',
  'may_review',
  'may_claim',
  'may_be_assigned',
  'take_claim_slot',
  'open_claim',
  'claim_item',
  'claim_gold',
  'move_to_adjudication',
  'decide_claim',
  'unassign_stranded',
  'end_claim',
  'escalate_claim',
  'requeue_item',
  'assign_item',
  'apply_sla_policy',
] as const;

/** Beside the compiled module too: the build copies the files there. */
const DIRECTORY = new URL('./functions/', import.meta.url);

export interface FunctionFile {
  name: string;
  sql: string;
  sha256: string;
}

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** Every function file, in order; a file on disk that is not listed, or listed and missing, is an error. */
export function readFunctionFiles(): FunctionFile[] {
  const onDisk = readdirSync(DIRECTORY)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => file.slice(0, -'.sql'.length))
    .sort();
  const listed = [...FUNCTION_FILES].sort();
  if (onDisk.join() !== listed.join()) {
    throw new Error(
      `${DIRECTORY.pathname} holds [${onDisk.join(', ')}], FUNCTION_FILES lists [${listed.join(', ')}]`,
    );
  }
  return FUNCTION_FILES.map((name) => {
    const bytes = readFileSync(new URL(`${name}.sql`, DIRECTORY));
    return { name, sql: bytes.toString('utf8'), sha256: createHash('sha256').update(bytes).digest('hex') };
  });
}

/** Names of the files the database has not applied as they are now. */
export async function staleFunctionFiles(db: Queryable): Promise<string[]> {
  const recorded = await recordedChecksums(db);
  return readFunctionFiles()
    .filter((file) => recorded.get(file.name) !== file.sha256)
    .map((file) => file.name);
}

/**
 * Applies, in order, each file whose checksum differs from the one recorded, and records the new one. All in
 * one transaction: the files are one version of the rules (decide_claim calls move_to_adjudication), so either
 * all of them change or none does. Answers the names applied.
 */
export async function applyFunctionFiles(dataSource: DataSource): Promise<string[]> {
  const files = readFunctionFiles();
  return dataSource.transaction(async (tx) => {
    // Two runners at once: the second waits, then finds nothing left to apply.
    await tx.query(`LOCK TABLE function_files IN EXCLUSIVE MODE`);
    const recorded = await recordedChecksums(tx);
    const applied: string[] = [];
    for (const file of files) {
      if (recorded.get(file.name) === file.sha256) continue;
      await tx.query(file.sql);
      await tx.query(
        `INSERT INTO function_files (name, sha256) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET sha256 = excluded.sha256, applied_at = now()`,
        [file.name, file.sha256],
      );
      applied.push(file.name);
    }
    await tx.query(`DELETE FROM function_files WHERE NOT name = ANY ($1::text[])`, [[...FUNCTION_FILES]]);
    return applied;
  });
}

async function recordedChecksums(db: Queryable): Promise<Map<string, string>> {
  const rows = (await db.query(`SELECT name, sha256 FROM function_files`)) as {
    name: string;
    sha256: string;
  }[];
  return new Map(rows.map((row) => [row.name, row.sha256]));
}
