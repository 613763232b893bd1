/** The role the application runs as; it may add audit rows and read them, never change or remove them. */
export const APP_ROLE = 'arbiter_app';

/** The worker's sealer: the only role that appends links to the audit chain. */
export const SEALER_ROLE = 'arbiter_sealer';
