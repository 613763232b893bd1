import type { ErrorBody as WireErrorBody, ErrorCode } from '@arbiter/contracts/wire';

/** Wire types of Arbiter's service API: the server answers with the same types. Responses may gain fields. */
export type {
  ActorType,
  AuditEvent,
  BatchEntryResult,
  BatchResult,
  Decision,
  ErrorCode,
  ErrorDetail,
  Item,
  ItemStatus,
  JsonValue,
  ModelRef,
  PatchOperation,
  Reason,
  SubmitItem,
  Verdict,
  ItemDecidedWebhook as WebhookPayload,
} from '@arbiter/contracts/wire';
export { isTerminalStatus, TERMINAL_STATUSES } from '@arbiter/contracts/wire';

/** The body of a 4xx/5xx answer; from a proxy or a newer Arbiter the code may be one this SDK does not know. */
export interface ErrorBody extends Omit<WireErrorBody, 'code'> {
  code: ErrorCode | (string & {});
}
