import { Component, type ReactNode } from 'react';

interface LoadFailureState {
  error: Error | null;
}

/** A page whose code failed to load (e.g. the server was updated meanwhile): say so instead of a blank screen. */
export class LoadFailure extends Component<{ children: ReactNode }, LoadFailureState> {
  override state: LoadFailureState = { error: null };

  static getDerivedStateFromError(error: Error): LoadFailureState {
    return { error };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <section className="page">
        <div className="notice notice-error" role="alert" data-testid="area-failed">
          <strong>This page could not be loaded.</strong> {this.state.error.message}{' '}
          <button type="button" className="button button-small" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      </section>
    );
  }
}
