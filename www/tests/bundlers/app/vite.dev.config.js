// The Vite dev server as the package README tells shops to set it up: the package is kept
// out of dependency pre-bundling, so its `new URL(…, import.meta.url)` still finds the
// worker and the wasm file.
export default {
  logLevel: 'info',
  optimizeDeps: { exclude: ['shopwindow'] },
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
};
