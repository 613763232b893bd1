import { useState, type FormEvent } from 'react';
import { login } from '../api/http';
import { saveSession, type Session } from '../api/session';

interface LoginPageProps {
  notice: string | null;
  onLoggedIn: (session: Session) => void;
}

export function LoginPage({ notice, onLoggedIn }: LoginPageProps) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitting(true);
    setError(null);
    try {
      onLoggedIn(saveSession(await login(email.trim(), password)));
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
      setSubmitting(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={(e) => void submit(e)} data-testid="login-form" noValidate>
        <h1 className="brand brand-large">Arbiter</h1>
        <p className="muted">Sign in to review AI outputs.</p>
        {notice && (
          <p className="notice notice-info" role="status" data-testid="login-notice">
            {notice}
          </p>
        )}
        <label className="field">
          <span>Email</span>
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            data-testid="login-email"
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
          />
        </label>
        {error && (
          <p className="notice notice-error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button
          type="submit"
          className="button button-primary"
          disabled={submitting || email.trim() === '' || password === ''}
          data-testid="login-submit"
        >
          {submitting ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
