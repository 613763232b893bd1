/**
 * `npm run audit:verify -- <export.jsonl>`: verifies an exported audit event log (GET /api/v1/audit/events)
 * offline, with no database: every sealed event must hash, with the link before it, to the hash its link
 * records. Prints {valid, checked, head, firstInvalidSeq?, unsealed, anchor} as JSON; exits 0 when valid,
 * 1 when not, 2 when the file cannot be read.
 *
 * A full export starts at the genesis link. An export of a time range starts mid-chain: its first link's
 * prevHash is taken as given (`anchor`), and everything after it is checked.
 */
import { type AuditEventDocument, ChainChecker, type ChainLink, GENESIS_HASH } from '@arbiter/audit';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

interface ExportLine extends AuditEventDocument {
  chain: ChainLink | null;
}

const ANCHOR_WINDOW = 1000;

function lowest(links: Map<number, { link: ChainLink }>): ChainLink {
  return [...links.values()].reduce((a, b) => (b.link.pos < a.link.pos ? b : a)).link;
}

async function main(file: string | undefined): Promise<number> {
  if (!file) {
    console.error('usage: npm run audit:verify -- <export.jsonl>');
    return 2;
  }
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
    return new ChainChecker(anchor);
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
  checker ??= new ChainChecker();
  // Links left waiting mean a position is missing: the first of them cannot be checked.
  if (checker.firstInvalidSeq === undefined && waiting.size > 0) {
    const [first] = [...waiting.values()].sort((a, b) => a.link.pos - b.link.pos);
    checker.check({ ...first!.link, seq: first!.document.seq }, first!.document);
  }
  const verdict = {
    valid: checker.firstInvalidSeq === undefined,
    checked: checker.checked,
    head: checker.head,
    ...(checker.firstInvalidSeq === undefined ? {} : { firstInvalidSeq: checker.firstInvalidSeq }),
    unsealed,
    anchor: anchor ?? { pos: 0, hash: GENESIS_HASH },
  };
  console.log(JSON.stringify(verdict));
  return verdict.valid ? 0 : 1;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(2);
  },
);
