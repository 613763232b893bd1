import { lazy, Suspense, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { clearSession, loadSession, type Session } from './api/session';
import { LoadFailure } from './components/LoadFailure';
import { LoginPage } from './components/LoginPage';
import { ReviewerApp } from './components/ReviewerApp';
import { RoleNav } from './components/RoleNav';
import { ApiSessionContext, type ApiSession } from './hooks/useApiSession';
import { useLocation, type Navigate } from './hooks/useLocation';
import { AREAS, areaOf, canEnter, homePath } from './lib/areas';

// Reviewers never load the audit, monitoring (with its charting library) and admin pages.
const AuditApp = lazy(() => import('./components/AuditApp').then((m) => ({ default: m.AuditApp })));
const MonitoringApp = lazy(() =>
  import('./components/MonitoringApp').then((m) => ({ default: m.MonitoringApp })),
);
const AdminApp = lazy(() => import('./components/AdminApp').then((m) => ({ default: m.AdminApp })));

function Area({ session, children }: { session: ApiSession; children: ReactNode }) {
  return (
    <ApiSessionContext.Provider value={session}>
      <LoadFailure>
        <Suspense
          fallback={
            <p className="muted page" data-testid="area-loading">
              Loading…
            </p>
          }
        >
          {children}
        </Suspense>
      </LoadFailure>
    </ApiSessionContext.Provider>
  );
}

/** Sends the browser elsewhere without a reload, after the render that asked for it. */
function Redirect({ to, navigate }: { to: string; navigate: Navigate }) {
  useEffect(() => navigate(to, { replace: true }), [to, navigate]);
  return null;
}

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [notice, setNotice] = useState<string | null>(null);
  const [location, navigate] = useLocation();
  const area = areaOf(location.pathname);
  useEffect(() => {
    document.title = `Arbiter · ${AREAS.find((a) => a.area === area)?.label ?? 'Review'}`;
  }, [area]);

  const logout = useCallback(
    (message?: string) => {
      clearSession();
      setSession(null);
      setNotice(message ?? null);
      // Signing out on purpose starts over at the login; an expired session keeps the page to come back to.
      if (message === undefined) navigate('/', { replace: true });
    },
    [navigate],
  );
  const expired = useCallback(() => logout('Your session has expired. Sign in again.'), [logout]);
  const apiSession = useMemo<ApiSession | null>(
    () => session && { token: session.accessToken, user: session.user, navigate, expired },
    [session, navigate, expired],
  );

  if (!session || !apiSession) {
    return (
      <LoginPage
        notice={notice}
        onLoggedIn={(next) => {
          setNotice(null);
          setSession(next);
          // Each role has its home; a deep link the user may open (e.g. after an expired session) is kept.
          const path = window.location.pathname;
          if (path === '/' || path === '/login' || !canEnter(next.user, areaOf(path))) {
            navigate(homePath(next.user), { replace: true });
          }
        }}
      />
    );
  }

  if (!canEnter(session.user, area)) return <Redirect to={homePath(session.user)} navigate={navigate} />;
  const nav = <RoleNav user={session.user} area={area} navigate={navigate} />;
  const onLogout = () => logout();
  switch (area) {
    case 'review':
      return <ReviewerApp key={session.accessToken} session={session} onLogout={logout} nav={nav} />;
    case 'audit':
      return (
        <Area key={area} session={apiSession}>
          <AuditApp key={session.accessToken} location={location} nav={nav} onLogout={onLogout} />
        </Area>
      );
    case 'monitoring':
      return (
        <Area key={area} session={apiSession}>
          <MonitoringApp key={session.accessToken} location={location} nav={nav} onLogout={onLogout} />
        </Area>
      );
    case 'admin':
      return (
        <Area key={area} session={apiSession}>
          <AdminApp key={session.accessToken} location={location} nav={nav} onLogout={onLogout} />
        </Area>
      );
  }
}
