import type { OutputDraft } from '../hooks/useOutputDraft';
import { prettyJson } from '../lib/json';
import type { OutputChecker } from '../lib/schema';

interface OutputEditorProps {
  draft: OutputDraft;
  checker: OutputChecker;
  readOnly: boolean;
}

type Status = 'unchanged' | 'valid' | 'empty' | 'invalid-json' | 'invalid-schema';

const STATUS_TEXT: Record<Status, string> = {
  unchanged: 'Unchanged',
  valid: 'Valid edit',
  empty: 'No output yet',
  'invalid-json': 'Invalid JSON',
  'invalid-schema': 'Does not match the schema',
};

export function editorStatus(draft: OutputDraft): Status {
  if (draft.text.trim() === '') return 'empty';
  if (!draft.parse.ok) return 'invalid-json';
  if (draft.problems.length > 0) return 'invalid-schema';
  return draft.changed ? 'valid' : 'unchanged';
}

export function OutputEditor({ draft, checker, readOnly }: OutputEditorProps) {
  const status = editorStatus(draft);
  const { parse, problems } = draft;
  return (
    <section className="card editor">
      <div className="card-head">
        <label className="card-title" htmlFor="output-editor">
          Your output <span className="muted">(JSON)</span>
        </label>
        <span className={`status status-${status}`} data-testid="editor-status" data-status={status}>
          {STATUS_TEXT[status]}
          {status === 'invalid-schema' && ` (${problems.length})`}
        </span>
        <span className="spacer" />
        <button
          type="button"
          className="button button-small"
          onClick={() => parse.ok && draft.setText(prettyJson(parse.value))}
          disabled={readOnly || !parse.ok}
          data-testid="format-output"
        >
          Format
        </button>
        <button
          type="button"
          className="button button-small"
          onClick={draft.reset}
          disabled={readOnly || !draft.changed}
          data-testid="reset-output"
        >
          Reset to AI output
        </button>
      </div>
      <textarea
        id="output-editor"
        className="code-input"
        value={draft.text}
        onChange={(e) => draft.setText(e.target.value)}
        readOnly={readOnly}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        rows={12}
        aria-invalid={status === 'invalid-json' || status === 'invalid-schema'}
        aria-describedby="editor-problems"
        placeholder={draft.original == null ? 'The model gave no output: write it here as JSON.' : undefined}
        data-testid="output-editor"
      />
      <div id="editor-problems" aria-live="polite">
        {status === 'invalid-json' && !parse.ok && (
          <p className="problem" data-testid="json-error">
            <strong>JSON error</strong>
            {parse.line != null && ` at line ${parse.line}, column ${parse.column ?? '?'}`}: {parse.message}
          </p>
        )}
        {parse.ok && problems.length > 0 && (
          <ul className="problems" data-testid="schema-errors" aria-label="Schema errors">
            {problems.map((problem, index) => (
              <li key={index} className="problem" data-testid="schema-error">
                <code>{problem.pointer || '(whole output)'}</code> {problem.message}
              </li>
            ))}
          </ul>
        )}
        {checker.kind === 'unavailable' && (
          <p className="muted" data-testid="schema-unavailable">
            The queue&apos;s schema cannot be checked in this browser ({checker.reason}); the server checks it
            on submit.
          </p>
        )}
      </div>
    </section>
  );
}
