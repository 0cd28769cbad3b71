/**
 * The wasm `Recommender` behind a small, message-friendly interface. The same class runs on
 * the page (`worker: false`) and inside worker.js, so both modes behave identically; only
 * the transport differs (see engine.js).
 */

import init, { Recommender } from '../pkg/shopwindow.js';

/** Methods callable from outside; anything else is refused by name. */
const METHODS = new Set(['recommend', 'similar', 'probability', 'item', 'items', 'info', 'setBackend', 'backend']);

export class Host {
  /**
   * @param {{bytes: ArrayBuffer, wasmUrl?: string, backend?: string}} options
   */
  static async create({ bytes, wasmUrl, backend }) {
    await init(wasmUrl ? { module_or_path: wasmUrl } : undefined);
    const host = new Host(new Recommender(new Uint8Array(bytes)));
    if (backend && backend !== 'auto') {
      // A backend the device cannot run is reported, not fatal: scoring goes on with the
      // default, and `setBackend` can be retried later.
      try {
        await host.setBackend(backend);
      } catch (error) {
        host.backendError = error.message;
      }
    }
    return host;
  }

  /** @param {Recommender} recommender */
  constructor(recommender) {
    this.recommender = recommender;
    /** @type {string | null} */
    this.backendError = null;
  }

  /** What the page needs to know after loading. */
  describe() {
    return { backend: this.backend(), backendError: this.backendError, info: this.info() };
  }

  call(method, args) {
    if (!METHODS.has(method)) throw new Error(`unknown engine method ${JSON.stringify(method)}`);
    return this[method](...args);
  }

  recommend(history, options) {
    return timed(() => this.recommender.recommend(history, options));
  }

  similar(itemId, options) {
    return timed(() => this.recommender.similar(itemId, options));
  }

  probability(history, itemIds, options) {
    return this.recommender.probability(history, itemIds, options);
  }

  item(itemId) {
    return this.recommender.item(itemId) ?? null;
  }

  /** Several items in one round trip (one message instead of one per item). */
  items(itemIds) {
    return itemIds.map((id) => this.recommender.item(id) ?? null);
  }

  info() {
    return this.recommender.info();
  }

  // `await` so that an asynchronous backend switch (WebGPU) slots in unchanged.
  async setBackend(name) {
    await this.recommender.setBackend(name);
    this.backendError = null;
    return this.backend();
  }

  backend() {
    return this.recommender.backend;
  }
}

/** Adds `computeMs`: the time the engine itself took, without any messaging. */
function timed(run) {
  const started = performance.now();
  const result = run();
  result.computeMs = performance.now() - started;
  return result;
}
