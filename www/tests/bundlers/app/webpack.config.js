import { fileURLToPath } from 'node:url';

// Plain webpack 5: `new Worker(new URL(…, import.meta.url))` and the wasm's
// `new URL(…, import.meta.url)` need no loader or plugin.
export default {
  mode: 'production',
  entry: './src/main.js',
  output: {
    path: fileURLToPath(new URL('./dist-webpack', import.meta.url)),
    filename: 'main.js',
    publicPath: 'auto',
    clean: true,
  },
  performance: { hints: false },
};
