/** Input limits; the defaults are the contract's, and the API replaces them from configuration at boot. */
export interface InputLimits {
  bodyBytes: number;
  jsonDepth: number;
  jsonStringLength: number;
  jsonArrayLength: number;
  externalIdLength: number;
  commentLength: number;
  metadataKeys: number;
  batchItems: number;
}

export const limits: InputLimits = {
  bodyBytes: 1024 * 1024,
  jsonDepth: 32,
  jsonStringLength: 262_144,
  jsonArrayLength: 10_000,
  externalIdLength: 256,
  commentLength: 10_000,
  metadataKeys: 64,
  batchItems: 500,
};

export function configureLimits(next: Partial<InputLimits>): void {
  Object.assign(limits, next);
}
