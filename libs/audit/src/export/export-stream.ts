import type pg from 'pg';
import { Readable } from 'node:stream';

export interface ExportStreamOptions {
  /** Rewrites each chunk of COPY output (e.g. event rows into export lines); identity when absent. */
  transform?: { write(chunk: Buffer): string | Buffer; end(): void };
  /** A reader that takes nothing for this long loses the export (its snapshot holds back vacuum). */
  stallMs: number;
  /** Called once, when the connection is closed. */
  onClose: () => void;
}

/**
 * The body of an export: the output of one COPY on a dedicated connection, with backpressure (the COPY is
 * paused while the reader is behind, so Postgres waits on the socket and memory stays flat). Destroying
 * the stream — the client went away, the server is stopping — closes the connection, which ends the query.
 */
export class ExportStream extends Readable {
  /** Settles when the first bytes (or the end) arrive, or with the error that came first. */
  readonly ready: Promise<void>;
  private readonly settle: (error?: Error) => void;
  private copyDone = false;
  private ended = false;
  private stallTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: pg.Client,
    private readonly copy: Readable,
    private readonly options: ExportStreamOptions,
  ) {
    super({ highWaterMark: 256 * 1024 });
    let resolveReady!: () => void;
    let rejectReady!: (error: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    // A failure after the first bytes is reported by destroying the stream; nobody awaits `ready` then.
    this.ready.catch(() => undefined);
    let settled = false;
    const settle = (this.settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (error) rejectReady(error);
      else resolveReady();
    });
    copy.on('data', (chunk: Buffer) => {
      let out: string | Buffer;
      try {
        out = options.transform ? options.transform.write(chunk) : chunk;
      } catch (error) {
        settle(error as Error);
        this.destroy(error as Error);
        return;
      }
      settle();
      if (out.length > 0 && !this.push(out)) {
        copy.pause();
        this.armStall();
      }
    });
    copy.once('end', () => {
      try {
        options.transform?.end();
      } catch (error) {
        settle(error as Error);
        this.destroy(error as Error);
        return;
      }
      this.copyDone = true;
      settle();
      this.push(null);
      void this.close();
    });
    copy.on('error', (error: Error) => {
      settle(error);
      this.destroy(error);
    });
  }

  override _read(): void {
    this.disarmStall();
    this.copy.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.settle(error ?? new Error('The export was stopped before it began'));
    this.disarmStall();
    this.close().then(
      () => callback(error),
      () => callback(error),
    );
  }

  /**
   * Ends the connection. After a complete COPY the read-only transaction is committed first, so the
   * connection ends cleanly; with the COPY still running, pg cuts the socket and Postgres stops the query
   * the next time it writes to it.
   */
  private async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (!this.copyDone) this.copy.removeAllListeners('data');
    try {
      if (this.copyDone) await this.client.query('COMMIT');
    } catch {
      // The connection failed after the last row; ending it is all that is left to do.
    }
    try {
      await this.client.end();
    } catch {
      // Already gone.
    } finally {
      this.options.onClose();
    }
  }

  private armStall(): void {
    if (this.stallTimer) return;
    this.stallTimer = setTimeout(
      () => this.destroy(new Error(`export reader took nothing for ${this.options.stallMs} ms`)),
      this.options.stallMs,
    );
    this.stallTimer.unref();
  }

  private disarmStall(): void {
    if (!this.stallTimer) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }
}
