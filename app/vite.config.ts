// Builds the offset page into app/dist, served by the gateway at /app (gateway/app.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/app/',
  logLevel: 'error',
  build: { outDir: 'dist', emptyOutDir: true },
  // A dev server (`npx vite app`) sends GraphQL and the sign-in to a gateway on its default port.
  server: { proxy: { '/graphql': 'http://localhost:4000', '/app/sign-in': 'http://localhost:4000' } },
});
