import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';

export interface CountedStream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  lines: number;
  bytes: number;
  seconds: number;
  /** From the request (or query) to the first byte of the body. */
  firstByteMs: number;
  /** The first line, to check its shape. */
  firstLine: string;
}

/** Counts newline bytes in a stream as it flows, keeping only the first line. */
export async function countLines(
  stream: Readable,
  started: number,
): Promise<Omit<CountedStream, 'status' | 'headers'>> {
  let lines = 0;
  let bytes = 0;
  let head = '';
  let firstByteMs = NaN;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (bytes === 0) firstByteMs = performance.now() - started;
    bytes += chunk.length;
    if (lines === 0 && head.length < 1_000_000) head += chunk.toString('utf8');
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
  }
  const firstLine = head.split('\n', 1)[0] ?? '';
  return { lines, bytes, seconds: (performance.now() - started) / 1000, firstByteMs, firstLine };
}

/** GETs `url` and counts the lines of the body as it streams in, never holding it. */
export function getAndCountLines(url: string, headers: Record<string, string>): Promise<CountedStream> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      countLines(res, started).then(
        (counted) => resolve({ status: res.statusCode ?? 0, headers: res.headers, ...counted }),
        reject,
      );
    });
    req.once('error', reject);
    req.end();
  });
}
