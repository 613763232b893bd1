import { type EventDocumentRow, eventDocument, exportLine } from '../chain.js';

/** A line of the event COPY: the event's columns and its chain link, if sealed. */
interface EventExportRow extends EventDocumentRow {
  pos: number | null;
  prev_hash: string | null;
  hash: string | null;
}

const NEWLINE = 0x0a;

/**
 * Turns the event COPY's output (one JSON row per line, cut anywhere into chunks) into export lines, each
 * exactly `exportLine(eventDocument(row), link)`, so a line parses to the document the sealer hashed.
 */
export class EventLineWriter {
  private rest: Buffer = Buffer.alloc(0);

  write(chunk: Buffer): string {
    const data = this.rest.length > 0 ? Buffer.concat([this.rest, chunk]) : chunk;
    const end = data.lastIndexOf(NEWLINE);
    if (end < 0) {
      this.rest = Buffer.from(data);
      return '';
    }
    this.rest = Buffer.from(data.subarray(end + 1));
    let out = '';
    // A newline byte never occurs inside a UTF-8 sequence, so cutting at one keeps characters whole.
    for (const line of data.toString('utf8', 0, end).split('\n')) out += toExportLine(line);
    return out;
  }

  /** At the end of the COPY: anything left is a row cut short. */
  end(): void {
    if (this.rest.length > 0) throw new Error('the event export ended in the middle of a row');
  }
}

export function toExportLine(line: string): string {
  const row = JSON.parse(line) as EventExportRow;
  const link =
    row.pos === null || row.prev_hash === null || row.hash === null
      ? null
      : { pos: Number(row.pos), prevHash: row.prev_hash, hash: row.hash };
  return exportLine(eventDocument(row), link);
}
