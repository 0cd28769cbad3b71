// The package's worker imports the wasm glue: module workers ('es') keep that one graph.
export default {
  logLevel: 'warn',
  build: { outDir: 'dist-vite', emptyOutDir: true },
  worker: { format: 'es' },
};
