import type { ApiErrorBody, ErrorDetail, LoginResponse, Queue } from './types';

/** An HTTP failure with the contract's machine-readable code (or NETWORK when the server was unreachable). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiErrorBody).code === 'string' &&
    typeof (value as ApiErrorBody).message === 'string'
  );
}

async function request<T>(method: string, path: string, options: { token?: string; body?: unknown }) {
  const headers: Record<string, string> = { Accept: 'application/json' };
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
  const body: unknown = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  if (!response.ok) {
    if (isErrorBody(body)) throw new ApiError(response.status, body.code, body.message, body.details);
    const message =
      response.status >= 500
        ? `The server is unavailable right now (HTTP ${response.status}). Try again shortly.`
        : `Request failed (HTTP ${response.status}).`;
    throw new ApiError(response.status, `HTTP_${response.status}`, message);
  }
  return body as T;
}

export function login(email: string, password: string): Promise<LoginResponse> {
  return request<LoginResponse>('POST', '/api/v1/auth/login', { body: { email, password } });
}

export async function listQueues(token: string): Promise<Queue[]> {
  const body = await request<{ queues: Queue[] }>('GET', '/api/v1/queues', { token });
  return body.queues;
}
