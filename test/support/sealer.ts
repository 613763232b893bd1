import { ChainSealer, CheckpointSigner } from '@arbiter/audit';
import { type AppConfig, sealerDatabaseUrl } from '@arbiter/config';
import { createDataSource, Database } from '@arbiter/database';

export interface OpenSealer {
  sealer: ChainSealer;
  signer: CheckpointSigner;
  close(): Promise<void>;
}

/** A ChainSealer as the worker builds it: logged in as the sealer role, signing with `config`'s key. */
export async function openSealer(config: AppConfig, poolSize = 2): Promise<OpenSealer> {
  const source = await createDataSource({ url: sealerDatabaseUrl(config), poolSize }).initialize();
  const signer = CheckpointSigner.fromConfig(config);
  return {
    sealer: new ChainSealer(new Database(source), signer, config),
    signer,
    close: () => source.destroy(),
  };
}

/** Runs passes until nothing is left to seal; how many events they sealed. */
export async function sealEverything(sealer: ChainSealer): Promise<number> {
  let total = 0;
  for (;;) {
    const { sealed, more } = await sealer.sealPass();
    total += sealed;
    if (!more) return total;
  }
}
