import { useCallback, useState } from 'react';
import { clearSession, loadSession, type Session } from './api/session';
import { LoginPage } from './components/LoginPage';
import { ReviewerApp } from './components/ReviewerApp';

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [notice, setNotice] = useState<string | null>(null);

  const logout = useCallback((message?: string) => {
    clearSession();
    setSession(null);
    setNotice(message ?? null);
  }, []);

  if (!session) {
    return (
      <LoginPage
        notice={notice}
        onLoggedIn={(next) => {
          setNotice(null);
          setSession(next);
        }}
      />
    );
  }
  return <ReviewerApp key={session.accessToken} session={session} onLogout={logout} />;
}
