/**
 * `npm run audit:verify -- <export.jsonl> [--public-key <file or base64>] [--checkpoint <file.json>] [--partial]`:
 * verifies an exported audit event log (GET /api/v1/audit/events) offline, with no database: every sealed
 * event must hash, with the link before it, to the hash its link records. Prints {valid, checked, head,
 * firstInvalidSeq?, unsealed, anchor, startsAtGenesis, scope, checkpoint?} as JSON; exits 0 when valid, 1 when
 * not, 2 when a file or an argument cannot be read.
 *
 * A full export starts at the genesis link; one that does not is invalid, unless `--partial` says a slice (a
 * time range) is meant: its first link's prevHash is then taken as given (`anchor`) and `scope` is `slice`.
 * With a signed checkpoint (the body the checkpoint sink received, or GET /api/v1/audit/verify's answer) and
 * the public key it must verify with, the export must reach the checkpoint's position with its hash: one cut
 * short is invalid at the first missing sequence number.
 */
import {
  type AuditEventDocument,
  ChainChecker,
  type ChainLink,
  type CheckpointReport,
  checkpointReport,
  checkpointSignatureHolds,
  GENESIS_HASH,
  type SignedCheckpoint,
} from '@arbiter/audit';
import { readEd25519Key } from '@arbiter/config';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

interface ExportLine extends AuditEventDocument {
  chain: ChainLink | null;
}

const ANCHOR_WINDOW = 1000;

function lowest(links: Map<number, { link: ChainLink }>): ChainLink {
  return [...links.values()].reduce((a, b) => (b.link.pos < a.link.pos ? b : a)).link;
}

const USAGE =
  'usage: npm run audit:verify -- <export.jsonl> [--public-key <file or base64>] [--checkpoint <file.json>] [--partial]';

/** A checkpoint as the sink received it ({type, timestamp, data}), as /audit/verify answers it, or bare. */
function readCheckpoint(file: string): SignedCheckpoint {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const found = (json.type === 'audit.checkpoint' ? json.data : (json.checkpoint ?? json)) as
    Record<string, unknown> | null | undefined;
  const { pos, seq, head, at, signature, publicKey } = found ?? {};
  if (
    !Number.isSafeInteger(pos) ||
    !Number.isSafeInteger(seq) ||
    typeof head !== 'string' ||
    typeof at !== 'string' ||
    typeof signature !== 'string'
  )
    throw new Error(`${file}: not a signed checkpoint ({pos, seq, head, at, signature})`);
  return {
    pos: pos as number,
    seq: seq as number,
    head,
    at,
    signature,
    publicKey: typeof publicKey === 'string' ? publicKey : '',
  };
}

interface Options {
  file: string;
  partial: boolean;
  checkpoint?: { signed: SignedCheckpoint; signatureValid: boolean };
}

function options(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'public-key': { type: 'string' },
      checkpoint: { type: 'string' },
      partial: { type: 'boolean', default: false },
    },
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new Error(USAGE);
  const keyArg = values['public-key'];
  if (!values.checkpoint) return { file, partial: values.partial };
  // The key stored in a checkpoint is the forger's choice: only one given here can vouch for it.
  if (!keyArg) throw new Error('--checkpoint needs --public-key, the key its signature must verify with');
  const key = readEd25519Key(existsSync(keyArg) ? readFileSync(keyArg, 'utf8') : keyArg, 'public');
  const signed = readCheckpoint(values.checkpoint);
  return {
    file,
    partial: values.partial,
    checkpoint: { signed, signatureValid: checkpointSignatureHolds(signed, key) },
  };
}

async function main(argv: string[]): Promise<number> {
  const { file, partial, checkpoint } = options(argv);
  // A checkpoint whose signature fails says nothing about where the chain should reach.
  const mark = checkpoint?.signatureValid ? checkpoint.signed : undefined;
  let checker: ChainChecker | undefined;
  let anchor: { pos: number; hash: string } | undefined;
  let unsealed = 0;
  // Links arrive in sequence order; a late-sealed event can precede links it follows in the chain.
  const waiting = new Map<number, { link: ChainLink; document: AuditEventDocument }>();
  let nextPos = 0;
  const start = (): ChainChecker => {
    const first = waiting.get(1)?.link ?? lowest(waiting);
    anchor = { pos: first.pos - 1, hash: first.pos === 1 ? GENESIS_HASH : first.prevHash };
    nextPos = first.pos;
    return new ChainChecker(anchor, mark);
  };
  /** Checks the waiting links that follow on from the last one checked. */
  const drain = (walk: ChainChecker): void => {
    while (waiting.has(nextPos) && walk.firstInvalidSeq === undefined) {
      const { link, document } = waiting.get(nextPos)!;
      waiting.delete(nextPos);
      walk.check({ ...link, seq: document.seq }, document);
      nextPos++;
    }
  };
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const text of lines) {
    lineNo++;
    if (!text.trim()) continue;
    let parsed: ExportLine;
    try {
      parsed = JSON.parse(text) as ExportLine;
    } catch {
      console.error(`line ${lineNo}: not JSON`);
      return 2;
    }
    const { chain, ...document } = parsed;
    if (!chain) {
      unsealed++;
      continue;
    }
    waiting.set(chain.pos, { link: chain, document });
    // A full export holds position 1. A slice is anchored at the lowest position among its first links
    // (events sealed late sit a little out of sequence order, never far).
    if (!checker && !waiting.has(1) && waiting.size < ANCHOR_WINDOW) continue;
    checker ??= start();
    drain(checker);
    // A chain that stops checking stops reading: links piling up mean a position is missing.
    if (checker.firstInvalidSeq !== undefined || waiting.size > ANCHOR_WINDOW) break;
  }
  if (!checker && waiting.size > 0) drain((checker = start()));
  checker ??= new ChainChecker(undefined, mark);
  // Links left waiting mean a position is missing: the first of them cannot be checked.
  if (checker.firstInvalidSeq === undefined && waiting.size > 0) {
    const [first] = [...waiting.values()].sort((a, b) => a.link.pos - b.link.pos);
    checker.check({ ...first!.link, seq: first!.document.seq }, first!.document);
  }
  const chainState = checker.finish() ?? 'unchecked';
  const startsAtGenesis = (anchor?.pos ?? 0) === 0;
  const report: CheckpointReport | undefined =
    checkpoint && checkpointReport(checkpoint.signed, checkpoint.signatureValid, chainState);
  // A slice that begins after the checkpoint cannot be held to it; with --partial that is no failure.
  const checkpointOk =
    !report || report.holds || (partial && report.signatureValid && report.chain === 'starts_after');
  const verdict = {
    valid: checker.firstInvalidSeq === undefined && (startsAtGenesis || partial) && checkpointOk,
    checked: checker.checked,
    head: checker.head,
    ...(checker.firstInvalidSeq === undefined ? {} : { firstInvalidSeq: checker.firstInvalidSeq }),
    unsealed,
    anchor: anchor ?? { pos: 0, hash: GENESIS_HASH },
    startsAtGenesis,
    scope: partial ? 'slice' : 'full',
    ...(report ? { checkpoint: report } : {}),
  };
  console.log(JSON.stringify(verdict));
  return verdict.valid ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(2);
  },
);
