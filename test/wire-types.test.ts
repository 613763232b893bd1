import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

// The two clients' type modules must hand out the wire types themselves (libs/contracts/src/wire), never a
// declaration of their own under a wire type's name, and declare nothing else but what is theirs alone.
const WIRE = resolve('libs/contracts/src/wire/index.ts');
const CLIENTS = [
  {
    file: resolve('libs/sdk/src/index.ts'),
    types: resolve('libs/sdk/src/types.ts'),
    /** Published under another name. */
    renamed: { WebhookPayload: 'ItemDecidedWebhook' } as Record<string, string>,
    /** The SDK reads error bodies from proxies and newer servers too. */
    own: ['ErrorBody'],
  },
  {
    file: resolve('apps/web/src/api/types.ts'),
    types: resolve('apps/web/src/api/types.ts'),
    renamed: {} as Record<string, string>,
    own: ['ClientErrorCode', 'AckError', 'Result', 'ClientToServerEvents', 'isAckFailure'],
  },
];

const program = ts.createProgram([WIRE, ...CLIENTS.map((c) => c.file)], {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  target: ts.ScriptTarget.ES2023,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
  paths: { '@arbiter/contracts/wire': [WIRE] },
});
const checker = program.getTypeChecker();

function exportsOf(file: string): Map<string, ts.Symbol> {
  const source = program.getSourceFile(file);
  assert.ok(source, `${file} is not in the program`);
  const module = checker.getSymbolAtLocation(source);
  assert.ok(module, `${file} is not a module`);
  return new Map(checker.getExportsOfModule(module).map((symbol) => [symbol.name, original(symbol)]));
}

const original = (symbol: ts.Symbol) =>
  symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;

const relative = (file: string) => file.replace(`${process.cwd()}/`, '');
const where = (symbol: ts.Symbol) =>
  symbol.declarations?.map((d) => relative(d.getSourceFile().fileName)).join(', ');

describe('client wire types', () => {
  const wire = exportsOf(WIRE);

  it('finds the wire types', () => {
    for (const name of ['Item', 'Decision', 'Queue', 'QueueStats', 'ErrorCode', 'ModelSummary', 'DriftAlert'])
      assert.ok(wire.has(name), name);
  });

  for (const client of CLIENTS) {
    it(`${relative(client.file)} exports the wire types, not copies of them`, () => {
      const exported = exportsOf(client.file);
      for (const [name, symbol] of exported) {
        const wireName = client.renamed[name] ?? name;
        if (!wire.has(wireName) || client.own.includes(name)) continue;
        assert.ok(symbol === wire.get(wireName), `${name} comes from ${where(symbol)}, not the wire types`);
      }
      for (const [name, wireName] of Object.entries(client.renamed))
        assert.ok(exported.get(name) === wire.get(wireName), `${name} is not the wire type ${wireName}`);
    });

    it(`${relative(client.types)} declares nothing but what is the client's own`, () => {
      const source = program.getSourceFile(client.types)!;
      const declared = source.statements.flatMap((statement) =>
        (ts.isInterfaceDeclaration(statement) ||
          ts.isTypeAliasDeclaration(statement) ||
          ts.isFunctionDeclaration(statement)) &&
        statement.name
          ? [statement.name.text]
          : [],
      );
      assert.deepEqual(declared.sort(), [...client.own].sort());
    });
  }
});
