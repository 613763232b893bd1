import autocannon from 'autocannon';

export interface LoadOptions {
  title: string;
  url: string;
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
  /** A fresh body for the request about to be sent; `tag` identifies it in `onAnswer`. */
  nextBody: () => { body: string; tag: string };
  /** Called for every answered request with its tag (not for requests cut off when the run stops). */
  onAnswer?: (status: number, body: string, tag: string) => void;
}

export interface LoadResult {
  title: string;
  durationS: number;
  requests: number;
  ok2xx: number;
  non2xx: number;
  /** Connection errors and timeouts (no HTTP answer). */
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  reqPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

interface Context {
  tag?: string;
}

let current: autocannon.Instance | undefined;

/** Stops the run in progress (Ctrl-C). */
export function stopLoad(): void {
  current?.stop();
}

/** Runs autocannon with one request shape whose body is rebuilt for every request. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const opts: autocannon.Options = {
    title: options.title,
    url: options.url,
    connections: options.connections,
    duration: options.durationS,
    pipelining: 1,
    timeout: 30,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    requests: [
      {
        setupRequest: (request, context) => {
          const { body, tag } = options.nextBody();
          (context as Context).tag = tag;
          request.body = body;
          return request;
        },
        onResponse: (status, body, context) => {
          options.onAnswer?.(status, body, (context as Context).tag ?? '');
        },
      },
    ],
  };
  let result: autocannon.Result;
  try {
    result = await new Promise<autocannon.Result>((resolve, reject) => {
      current = autocannon(opts, (error: unknown, res) => (error ? reject(error as Error) : resolve(res)));
    });
  } finally {
    current = undefined;
  }
  const codes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) codes[code] = count ?? 0;
  const ok2xx = result['2xx'];
  const lat = result.latency;
  return {
    title: options.title,
    durationS: result.duration,
    requests: ok2xx + result.non2xx,
    ok2xx,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: codes,
    reqPerSec: (ok2xx + result.non2xx) / result.duration,
    latencyMs: { p50: lat.p50, p90: lat.p90, p99: lat.p99, max: lat.max, mean: lat.mean },
  };
}
