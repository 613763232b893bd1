import { useDeferredValue, useId, useMemo } from 'react';
import type { OutputDraft } from '../hooks/useOutputDraft';
import { foldUnchanged, lineDiff, type PatchOp } from '../lib/json-diff';
import { prettyJson } from '../lib/json';

const MAX_OPS = 50;

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function OpRow({ op }: { op: PatchOp }) {
  return (
    <li className={`op op-${op.op}`} data-testid="patch-op" data-op={op.op} data-path={op.path}>
      <span className="op-name">{op.op}</span> <code>{op.path || '(whole output)'}</code>{' '}
      {op.op === 'add' && <ins>{short(op.value)}</ins>}
      {op.op === 'remove' && <del>{short(op.old)}</del>}
      {op.op === 'replace' && (
        <>
          <del>{short(op.old)}</del> → <ins>{short(op.value)}</ins>
        </>
      )}
    </li>
  );
}

interface DiffViewProps {
  /** The reviewer's live draft, or any before/after pair with its operations (the audit timeline). */
  draft: Pick<OutputDraft, 'parse' | 'patch' | 'original'>;
  title?: string;
  sameText?: string;
  testId?: string;
}

export function DiffView({
  draft,
  title = 'Changes from the AI output',
  sameText = 'No changes: the output is the AI’s.',
  testId = 'diff-view',
}: DiffViewProps) {
  const { parse, patch, original } = draft;
  const titleId = useId();
  const before = useMemo(() => prettyJson(original), [original]);
  const after = parse.ok ? prettyJson(parse.value) : null;
  // The line diff can be slow on big outputs: let typing win.
  const deferredAfter = useDeferredValue(after);
  const lines = useMemo(
    () => (deferredAfter === null ? [] : foldUnchanged(lineDiff(before, deferredAfter))),
    [before, deferredAfter],
  );

  return (
    <section className="card diff" data-testid={testId} aria-labelledby={titleId}>
      <h2 className="card-title" id={titleId}>
        {title}
      </h2>
      {!parse.ok ? (
        <p className="muted">Fix the JSON to see the changes.</p>
      ) : patch.length === 0 ? (
        <p className="muted" data-testid="diff-empty">
          {sameText}
        </p>
      ) : (
        <>
          <ul className="ops" data-testid="patch-ops" aria-label="Changes as JSON Patch operations">
            {patch.slice(0, MAX_OPS).map((op, index) => (
              <OpRow key={index} op={op} />
            ))}
            {patch.length > MAX_OPS && <li className="muted">…and {patch.length - MAX_OPS} more</li>}
          </ul>
          <pre className="json line-diff" aria-label="Line diff">
            {lines.map((line, index) =>
              line.kind === 'skipped' ? (
                <span key={index} className="line line-skipped">
                  {`  … ${line.count} unchanged line${line.count === 1 ? '' : 's'}\n`}
                </span>
              ) : (
                <span
                  key={index}
                  className={`line line-${line.kind}`}
                  data-testid={line.kind === 'same' ? undefined : `diff-line-${line.kind}`}
                >
                  {`${line.kind === 'added' ? '+' : line.kind === 'removed' ? '-' : ' '} ${line.text}\n`}
                </span>
              ),
            )}
          </pre>
        </>
      )}
    </section>
  );
}
