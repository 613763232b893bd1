import type { AckError } from '../api/types';

const TITLES: Partial<Record<AckError['code'], string>> = {
  CLAIM_EXPIRED: 'Your claim has expired',
  NOT_CLAIM_HOLDER: 'Another reviewer holds this item',
  ALREADY_DECIDED: 'This item was already decided',
  FORBIDDEN: 'Not allowed',
  VALIDATION_FAILED: 'The server refused the input',
  QUEUE_PAUSED: 'The queue is paused',
  NOT_FOUND: 'Not found',
  RATE_LIMITED: 'Too many requests',
  UNAVAILABLE: 'The server is unavailable',
  DISCONNECTED: 'Not connected',
  TIMEOUT: 'No answer from the server',
};

/** A short human title for a refused action; the server's message is shown beneath it. */
export function refusalTitle(error: AckError): string {
  return TITLES[error.code] ?? 'The action was refused';
}
