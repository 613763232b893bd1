import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv, type ProxyOptions } from 'vite';

// The directory of this file, so the build works whatever the current directory is.
const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, root, '');
  const target = env['ARBITER_API_URL'] || 'http://localhost:3000';
  const proxy: Record<string, ProxyOptions> = {
    '/api': { target, changeOrigin: true },
    '/socket.io': { target, changeOrigin: true, ws: true },
  };
  return {
    root,
    base: '/',
    plugins: [react()],
    // tsconfig.json's paths: @arbiter/contracts/wire, the wire types shared with the server and the SDK.
    resolve: { tsconfigPaths: true },
    build: { outDir: `${root}dist`, emptyOutDir: true, sourcemap: true },
    server: { port: 5173, proxy },
    preview: { port: 4173, proxy },
  };
});
