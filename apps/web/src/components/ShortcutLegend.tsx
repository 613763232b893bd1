import { SHORTCUTS } from '../hooks/useShortcuts';

export function ShortcutLegend() {
  return (
    <aside className="legend" aria-label="Keyboard shortcuts" data-testid="shortcut-legend">
      <ul>
        {SHORTCUTS.map((shortcut) => (
          <li key={shortcut.action}>
            {shortcut.keys.map((key, index) => (
              <span key={key}>
                {index > 0 && '+'}
                <kbd>{key}</kbd>
              </span>
            ))}{' '}
            {shortcut.label}
          </li>
        ))}
      </ul>
      <p className="muted" title="Ctrl+Enter and Esc work everywhere">
        Letter keys pause while you type.
      </p>
    </aside>
  );
}
