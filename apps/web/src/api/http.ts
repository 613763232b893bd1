import type { AckError, ErrorBody, ErrorDetail, LoginResponse, Queue, QueueList } from './types';

/** An HTTP failure with the contract's machine-readable code (or NETWORK when the server was unreachable). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: AckError['code'],
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorBody).code === 'string' &&
    typeof (value as ErrorBody).message === 'string'
  );
}

type RequestOptions = { token?: string; body?: unknown; accept?: string };

async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.token) headers['Authorization'] = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Cannot reach the server. Check your connection and try again.');
  }
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => undefined);
    if (isErrorBody(body)) throw new ApiError(response.status, body.code, body.message, body.details);
    const message =
      response.status >= 500
        ? `The server is unavailable right now (HTTP ${response.status}). Try again shortly.`
        : `Request failed (HTTP ${response.status}).`;
    throw new ApiError(response.status, `HTTP_${response.status}`, message);
  }
  return response;
}

/** A JSON request; resolves with the parsed body (undefined for 204), or throws an ApiError. */
export async function request<T>(method: string, path: string, options: RequestOptions): Promise<T> {
  const response = await send(method, path, options);
  const body: unknown = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  return body as T;
}

/** A GET whose answer is not JSON (JSONL or CSV exports), as a Blob. */
export async function requestBlob(path: string, token: string, accept: string): Promise<Blob> {
  const response = await send('GET', path, { token, accept });
  try {
    return await response.blob();
  } catch {
    throw new ApiError(0, 'NETWORK', 'The download was interrupted. Try again.');
  }
}

export function login(email: string, password: string): Promise<LoginResponse> {
  return request<LoginResponse>('POST', '/api/v1/auth/login', { body: { email, password } });
}

export async function listQueues(token: string): Promise<Queue[]> {
  const body = await request<QueueList>('GET', '/api/v1/queues', { token });
  return body.queues;
}
