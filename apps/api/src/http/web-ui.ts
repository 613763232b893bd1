import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Client-side routes of the single-page UI; each answers index.html and the UI takes it from there. */
const UI_ROUTES = [
  '/',
  '/login',
  '/queues/*',
  '/audit',
  '/audit/*',
  '/monitoring',
  '/monitoring/*',
  '/admin',
  '/admin/*',
];

/** The built web UI (apps/web/dist), four levels above this compiled file. */
export function webUiRoot(): string | null {
  const root = fileURLToPath(new URL('../../../../../apps/web/dist/', import.meta.url));
  return existsSync(`${root}index.html`) ? root : null;
}

/** Serves the reviewer UI at `/` when it has been built; the API works without it. */
export async function serveWebUi(fastify: FastifyInstance): Promise<boolean> {
  const root = webUiRoot();
  if (!root) return false;
  await fastify.register(fastifyStatic, { root, prefix: '/', wildcard: false, index: false });
  for (const url of UI_ROUTES) {
    fastify.get(url, (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
  }
  return true;
}
