import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';

const container = document.getElementById('root');
if (!container) throw new Error('#root is missing from index.html');
const root = createRoot(container);
const render = (node: ReactNode) => root.render(<StrictMode>{node}</StrictMode>);

// `?demo=1` (workspace) or `?demo=queues`: fixture data, no server. Development builds only, unless VITE_DEMO=1.
const demo = new URLSearchParams(window.location.search).get('demo');
if ((import.meta.env.DEV || import.meta.env.VITE_DEMO === '1') && demo) {
  void import('./demo/DemoApp').then(({ DemoApp }) =>
    render(<DemoApp view={demo === 'queues' ? 'queues' : 'workspace'} />),
  );
} else {
  render(<App />);
}
