/**
 * The scoring worker: holds the wasm engine and the catalog so that scans never run on the
 * page's thread. Requests are `{id, method, args}`; replies `{id, ok, result | error}`.
 * Nothing here touches storage or the network except loading the wasm modules.
 *
 * It imports nothing up front: its handler is installed at once, so the wasm download
 * starts on the first `preload` while the engine's JavaScript (host.js and the wasm glue)
 * is still arriving, instead of after it.
 */

/** @type {Promise<typeof import('./lib/host.js')> | null} */
let hostModule = null;
const loadHost = () => (hostModule ??= import('./lib/host.js'));

/** @type {import('./lib/host.js').Host | null} */
let host = null;

self.onmessage = async ({ data: { id, method, args } }) => {
  try {
    let result;
    if (method === 'ping') {
      result = 'pong';
    } else if (method === 'preload') {
      // Sent before the catalog has arrived: the wasm downloads while it does.
      const wasm = fetch(args[0]?.wasmUrl ?? new URL('./pkg/shopwindow_bg.wasm', import.meta.url));
      wasm.catch(() => {}); // reported through loadWasm below, not as an unhandled rejection
      const { loadWasm } = await loadHost();
      await loadWasm(wasm);
      result = 'loaded';
    } else if (method === 'init') {
      const { Host } = await loadHost();
      host = await Host.create(args[0]);
      result = host.describe();
    } else if (!host) {
      throw new Error('the catalog is not loaded yet');
    } else {
      result = await host.call(method, args);
    }
    self.postMessage({ id, ok: true, result });
  } catch (error) {
    self.postMessage({ id, ok: false, error: { name: error?.name ?? 'Error', message: String(error?.message ?? error) } });
  }
};
