import { InitialSchema1764100000000 } from './1764100000000-initial-schema.js';
import { Claims1764200000000 } from './1764200000000-claims.js';
import { ReviewFunctions1764300000000 } from './1764300000000-review-functions.js';
import { ReviewRoundTrips1764400000000 } from './1764400000000-review-round-trips.js';
import { AuditChain1764500000000 } from './1764500000000-audit-chain.js';
import { FourEyes1764600000000 } from './1764600000000-four-eyes.js';
import { Deliveries1764700000000 } from './1764700000000-deliveries.js';
import { SafeFailure1764800000000 } from './1764800000000-safe-failure.js';
import { DecisionsCarryQueue1764900000000 } from './1764900000000-decisions-carry-queue.js';
import { SecondReview1765000000000 } from './1765000000000-second-review.js';
import { CorrectnessMonitoring1765100000000 } from './1765100000000-correctness-monitoring.js';
import { GoldItems1765200000000 } from './1765200000000-gold-items.js';
import { TokenVersions1765300000000 } from './1765300000000-token-versions.js';
import { CheapScrapes1765310000000 } from './1765310000000-cheap-scrapes.js';
import { LoginRoles1765320000000 } from './1765320000000-login-roles.js';
import { RulesInFunctionFiles1765330000000 } from './1765330000000-rules-in-function-files.js';
import { DecideClaimMapsVerdicts1765340000000 } from './1765340000000-decide-claim-maps-verdicts.js';
import { WhoEscalated1765350000000 } from './1765350000000-who-escalated.js';
import { AuditCheckpoints1765400000000 } from './1765400000000-audit-checkpoints.js';
import { OneIdempotencyKey1765450000000 } from './1765450000000-one-idempotency-key.js';
import { DeliveryPages1765500000000 } from './1765500000000-delivery-pages.js';
import { ItemAssignment1765600000000 } from './1765600000000-item-assignment.js';

/** Every migration, oldest first; the data source runs them in this order. */
export const MIGRATIONS = [
  InitialSchema1764100000000,
  Claims1764200000000,
  ReviewFunctions1764300000000,
  ReviewRoundTrips1764400000000,
  AuditChain1764500000000,
  FourEyes1764600000000,
  Deliveries1764700000000,
  SafeFailure1764800000000,
  DecisionsCarryQueue1764900000000,
  SecondReview1765000000000,
  CorrectnessMonitoring1765100000000,
  GoldItems1765200000000,
  TokenVersions1765300000000,
  CheapScrapes1765310000000,
  LoginRoles1765320000000,
  RulesInFunctionFiles1765330000000,
  DecideClaimMapsVerdicts1765340000000,
  WhoEscalated1765350000000,
  AuditCheckpoints1765400000000,
  OneIdempotencyKey1765450000000,
  DeliveryPages1765500000000,
  ItemAssignment1765600000000,
];
export {
  applyFunctionFiles,
  FUNCTION_FILES,
  readFunctionFiles,
  staleFunctionFiles,
} from './function-files.js';
export { APP_ROLE, SEALER_ROLE } from './roles.js';
