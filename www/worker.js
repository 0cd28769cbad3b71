/**
 * The scoring worker: holds the wasm engine and the catalog so that scans never run on the
 * page's thread. Requests are `{id, method, args}`; replies `{id, ok, result | error}`.
 * Nothing here touches storage or the network except loading the wasm module itself.
 */

import { Host, loadWasm } from './lib/host.js';

/** @type {Host | null} */
let host = null;

self.onmessage = async ({ data: { id, method, args } }) => {
  try {
    let result;
    if (method === 'ping') {
      result = 'pong';
    } else if (method === 'preload') {
      // Sent before the catalog has arrived: the wasm downloads while it does.
      await loadWasm(args[0]?.wasmUrl);
      result = 'loaded';
    } else if (method === 'init') {
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
