import { useApiSession } from '../hooks/useApiSession';

export function NotFoundPage({ home, homeLabel }: { home: string; homeLabel: string }) {
  const { navigate } = useApiSession();
  return (
    <section className="page" aria-labelledby="not-found-title">
      <h1 id="not-found-title" className="page-title" tabIndex={-1}>
        Page not found
      </h1>
      <p className="empty-note" data-testid="page-not-found">
        There is no page at {window.location.pathname}.{' '}
        <a
          href={home}
          onClick={(e) => {
            e.preventDefault();
            navigate(home);
          }}
        >
          Go to {homeLabel}
        </a>
      </p>
    </section>
  );
}
