/**
 * Builds the inspector page into `inspector/dist`, which the inspector server serves and the
 * package ships, so users need no build step. `base: './'` keeps every asset URL relative:
 * the page works wherever the server mounts it.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  // A build tool config, not the app's: the page must not pick up the repo's `public/`.
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The statechart's layout engine (elkjs) is a lazily loaded chunk of ~1.6 MB: it is local,
    // so the warning for big chunks only adds noise.
    chunkSizeWarningLimit: 2_000,
  },
});
