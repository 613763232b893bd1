// Compiled by `npm run typecheck`, never run: every answer the API sends has exactly the wire type the web app
// and the SDK read (libs/contracts/src/wire). A route or event whose answer drifts from it fails to compile.
import type {
  AlertList,
  ApiKeyList,
  BatchResult,
  ChainVerdict,
  Claim,
  ClaimNextResult,
  CreatedApiKey,
  DecideResult,
  Delivery,
  DeliveryList,
  DriftAlert,
  ErrorBody,
  GoldBatchResult,
  Item,
  ItemDecidedWebhook,
  LoginResponse,
  ModelDetail,
  ModelList,
  Queue,
  QueueList,
  ReplayResult,
  ReviewAck,
  ReviewerList,
  UserAccount,
  UserList,
} from '@arbiter/contracts';
import type { webhookBody } from '@arbiter/delivery';
import type { ItemRepository } from '@arbiter/ingest';
import type { ApiKeyController } from './controllers/api-key.controller.js';
import type { AuditController } from './controllers/audit.controller.js';
import type { AuthController } from './controllers/auth.controller.js';
import type { ClaimController } from './controllers/claim.controller.js';
import type { DeliveryController } from './controllers/delivery.controller.js';
import type { GoldController } from './controllers/gold.controller.js';
import type { ItemController } from './controllers/item.controller.js';
import type { MonitoringController } from './controllers/monitoring.controller.js';
import type { QueueController } from './controllers/queue.controller.js';
import type { UserController } from './controllers/user.controller.js';
import type { toErrorResponse } from './http/error-response.js';
import type { ReviewGateway } from './review/review.gateway.js';

/** True only when A and B are the same type: no field more or less, none optional on one side only. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
/** What a handler's promise resolves to. */
type Answer<C, M extends keyof C> = C[M] extends (...args: never[]) => infer R ? Awaited<R> : never;

export type WireTypeChecks = [
  Expect<Same<Answer<ItemController, 'submit'>, Item>>,
  Expect<Same<Answer<ItemController, 'submitBatch'>, BatchResult>>,
  Expect<Same<Answer<ItemController, 'requeue'>, Item>>,
  Expect<Same<Answer<ItemController, 'get'>, Item>>,
  Expect<Same<Answer<QueueController, 'create'>, Queue>>,
  Expect<Same<Answer<QueueController, 'list'>, QueueList>>,
  Expect<Same<Answer<QueueController, 'get'>, Queue>>,
  Expect<Same<Answer<QueueController, 'update'>, Queue>>,
  Expect<Same<Answer<QueueController, 'pause'>, Queue>>,
  Expect<Same<Answer<QueueController, 'resume'>, Queue>>,
  // 204 when nothing is waiting.
  Expect<Same<Answer<ClaimController, 'claim'>, ClaimNextResult | undefined>>,
  Expect<Same<Answer<ClaimController, 'heartbeat'>, { claim: Claim }>>,
  Expect<Same<Answer<ClaimController, 'release'>, { ok: true }>>,
  Expect<Same<Answer<ClaimController, 'decide'>, DecideResult>>,
  Expect<Same<Answer<ClaimController, 'escalate'>, { ok: true }>>,
  Expect<Same<Answer<ReviewGateway, 'subscribe'>, ReviewAck<'queue:subscribe'>>>,
  Expect<Same<Answer<ReviewGateway, 'next'>, ReviewAck<'claim:next'>>>,
  Expect<Same<Answer<ReviewGateway, 'heartbeat'>, ReviewAck<'claim:heartbeat'>>>,
  Expect<Same<Answer<ReviewGateway, 'release'>, ReviewAck<'claim:release'>>>,
  Expect<Same<Answer<ReviewGateway, 'decide'>, ReviewAck<'claim:decide'>>>,
  Expect<Same<Answer<ReviewGateway, 'escalate'>, ReviewAck<'claim:escalate'>>>,
  Expect<Same<Answer<AuthController, 'login'>, LoginResponse>>,
  Expect<Same<Answer<UserController, 'create'>, UserAccount>>,
  Expect<Same<Answer<UserController, 'list'>, UserList>>,
  Expect<Same<Answer<UserController, 'get'>, UserAccount>>,
  Expect<Same<Answer<UserController, 'update'>, UserAccount>>,
  Expect<Same<Answer<ApiKeyController, 'create'>, CreatedApiKey>>,
  Expect<Same<Answer<ApiKeyController, 'list'>, ApiKeyList>>,
  Expect<Same<Answer<DeliveryController, 'list'>, DeliveryList>>,
  Expect<Same<Answer<DeliveryController, 'replayAll'>, ReplayResult>>,
  Expect<Same<Answer<DeliveryController, 'replay'>, Delivery>>,
  Expect<Same<Answer<AuditController, 'verify'>, ChainVerdict>>,
  Expect<Same<Answer<MonitoringController, 'listModels'>, ModelList>>,
  Expect<Same<Answer<MonitoringController, 'modelDetail'>, ModelDetail>>,
  Expect<Same<Answer<MonitoringController, 'listReviewers'>, ReviewerList>>,
  Expect<Same<Answer<MonitoringController, 'listAlerts'>, AlertList>>,
  Expect<Same<Answer<MonitoringController, 'acknowledge'>, DriftAlert>>,
  Expect<Same<Answer<GoldController, 'add'>, GoldBatchResult>>,
  Expect<Same<ReturnType<typeof toErrorResponse>['body'], ErrorBody>>,
  Expect<
    Same<
      ReturnType<typeof webhookBody<NonNullable<Answer<ItemRepository, 'findView'>>>>['data']['item'],
      ItemDecidedWebhook['data']['item']
    >
  >,
];
