import { InitialSchema1764100000000 } from './1764100000000-initial-schema.js';
import { Claims1764200000000 } from './1764200000000-claims.js';
import { ClaimFunction1764300000000 } from './1764300000000-claim-function.js';

/** Every migration, oldest first; the data source runs them in this order. */
export const MIGRATIONS = [InitialSchema1764100000000, Claims1764200000000, ClaimFunction1764300000000];
