/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** '1' builds the `?demo=1` workspace with fixture data into a production bundle. */
  readonly VITE_DEMO?: string;
}
