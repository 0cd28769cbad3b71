/**
 * shopwindow: personal recommendations computed in the shopper's browser.
 *
 *   const shop = await Shopwindow.open({ catalogUrl: '/catalog.safetensors', worker: true });
 *   await shop.track({ type: 'view', itemId: 'SKU-123' });
 *   const { items } = await shop.recommend({ k: 8 });
 *
 * The catalog comes from the store's static host; the history never leaves the device (it
 * lives in IndexedDB and in the scoring worker's messages, nowhere else); every call is
 * asynchronous so scoring can run in a worker or on a GPU without API changes.
 */

import { downloadCatalog } from './lib/download.js';
import { startEngine } from './lib/engine.js';
import { IntegrityError } from './lib/integrity.js';
import { DEFAULT_CAP, HistoryStore } from './storage/history.js';

export { IntegrityError, DEFAULT_CAP as HISTORY_CAP };

/** Option names of `recommend` passed to the engine untouched (it rejects unknown ones). */
const ENGINE_RECOMMEND_OPTIONS = [
  'k',
  'filters',
  'exclude',
  'excludeHistory',
  'diversity',
  'probabilities',
  'contextCategory',
  'eventWeights',
  'halfLifeDays',
  'now',
  'interests',
];

export class Shopwindow extends EventTarget {
  /**
   * Downloads (or reuses the cached) catalog, starts the engine and opens the history.
   * @param {import('./index.d.ts').OpenOptions} options
   * @returns {Promise<Shopwindow>}
   */
  static async open(options) {
    const {
      catalogUrl,
      integrity,
      version,
      worker = true,
      workerUrl,
      wasmUrl,
      backend = 'auto',
      cache = true,
      onProgress,
      signal,
      storageName = 'shopwindow',
      historyCap = DEFAULT_CAP,
      indexedDB,
    } = options ?? {};
    if (!catalogUrl) throw new TypeError('Shopwindow.open needs a catalogUrl');
    const report = onProgress ?? (() => {});

    // The history opens while the catalog downloads: neither waits on the other.
    const historyReady = HistoryStore.open({
      name: storageName,
      cap: historyCap,
      ...(indexedDB !== undefined ? { indexedDB } : {}),
    });
    let catalog, started;
    try {
      catalog = await downloadCatalog({ url: catalogUrl, integrity, version, cache, onProgress: report, signal });
      report({ phase: 'start', loaded: catalog.bytes.byteLength, total: catalog.bytes.byteLength });
      started = await startEngine({ bytes: catalog.bytes, worker, workerUrl, wasmUrl, backend });
    } catch (error) {
      // Leave nothing running (tab sync, database connection) after a failed start.
      historyReady.then((history) => history.close(), () => {});
      throw error;
    }
    const byteLength = catalog.bytes.byteLength;
    const { engine, description, workerError } = started;
    const history = await historyReady;
    report({ phase: 'ready', loaded: byteLength, total: byteLength });
    return new Shopwindow({
      engine,
      history,
      description,
      workerError,
      requestedBackend: backend,
      worker: Boolean(worker) && !workerError,
      catalog: { url: catalog.url, source: catalog.source, byteLength },
    });
  }

  /** @private use Shopwindow.open */
  constructor({ engine, history, description, workerError, requestedBackend, worker, catalog }) {
    super();
    this.#engine = engine;
    this.#store = history;
    this.#backend = description.backend;
    this.#backendError = description.backendError;
    this.#requestedBackend = requestedBackend;
    this.#workerError = workerError;
    this.#worker = worker;
    /** What the catalog holds (items, dims, categories, model parameters). */
    this.catalog = { ...description.info, ...catalog };
    /** The shopper's history on this device. */
    this.history = new History(this, history);
    // Changes from other tabs (and our own) reach the page as one `change` event.
    history.addEventListener('change', (e) => this.dispatchEvent(new CustomEvent('change', { detail: e.detail })));
    history.addEventListener('storage', (e) => this.dispatchEvent(new CustomEvent('storage', { detail: e.detail })));
  }

  #engine;
  #store;
  #backend;
  #backendError;
  #requestedBackend;
  #workerError;
  #worker;

  /** The backend scoring now: "webgpu", "simd128" or "scalar". */
  get backend() {
    return this.#backend;
  }

  /** Where everything runs and is kept, including why something fell back. */
  get status() {
    return {
      backend: this.#backend,
      requestedBackend: this.#requestedBackend,
      backendError: this.#backendError,
      worker: this.#worker,
      workerError: this.#workerError,
      storage: this.#store.mode,
      storageError: this.#store.error,
      skippedRecords: this.#store.skipped.length,
      historyCap: this.#store.cap,
      catalog: { url: this.catalog.url, source: this.catalog.source, byteLength: this.catalog.byteLength },
    };
  }

  /**
   * Records what the shopper did. Stored on this device only.
   * @param {{type: 'view' | 'cart' | 'purchase', itemId: string, timestamp?: number}} event
   */
  track(event) {
    return this.#store.add(event ?? {});
  }

  /**
   * "Recommended for you" from the history on this device.
   * @param {import('./index.d.ts').RecommendOptions} [options]
   */
  async recommend(options = {}) {
    const engineOptions = pick(options, ENGINE_RECOMMEND_OPTIONS, 'recommend');
    return this.#timed('recommend', this.#store.events(), engineOptions);
  }

  /**
   * Items like `itemId` ("customers also bought").
   * @param {string} itemId
   * @param {import('./index.d.ts').SimilarOptions} [options]
   */
  async similar(itemId, options = {}) {
    return this.#timed('similar', itemId, pick(options, ['k', 'filters', 'exclude', 'diversity'], 'similar'));
  }

  /**
   * The most popular items, e.g. for a category page's grid (ignores the history).
   * @param {{k?: number, category?: string, filters?: object}} [options]
   */
  async popular({ k = 24, category, filters = {} } = {}) {
    const withCategory = category ? { ...filters, categories: [category] } : filters;
    return this.#timed('recommend', [], { k, filters: withCategory, excludeHistory: 'none' });
  }

  /** Calibrated P(item | shopper) for each id (softmax over the whole catalog). */
  async probability(itemIds, options = {}) {
    return this.#engine.call('probability', this.#store.events(), itemIds, pick(options, ENGINE_RECOMMEND_OPTIONS, 'probability'));
  }

  /** One item for display, or null when the catalog has no such id. */
  async item(itemId) {
    return this.#engine.call('item', itemId);
  }

  /** Several items in one call; unknown ids give null. */
  async items(itemIds) {
    return this.#engine.call('items', [...itemIds]);
  }

  /**
   * Switches backend ("auto", "webgpu", "simd128", "scalar"). A backend this device cannot
   * run is reported in `status.backendError` (WebGPU falls back to the CPU with the same
   * results); the switch may be retried.
   */
  async setBackend(name) {
    const { backend, backendError } = await this.#engine.call('setBackend', name);
    this.#backend = backend;
    this.#requestedBackend = name;
    this.#backendError = backendError;
    return backend;
  }

  /**
   * The shopper's customer segment (id, label, soft membership over the store's segments,
   * and the segment's top categories: the "why") and RFM standing, from the history on this
   * device. `segment` is null until there is history, `rfm` null until there is a purchase;
   * a catalog built without segments rejects with an Error.
   * @param {import('./index.d.ts').SegmentOptions} [options]
   */
  async segment(options = {}) {
    return this.#engine.call('segment', this.#store.events(), pick(options, ['eventWeights', 'halfLifeDays', 'now'], 'segment'));
  }

  // Later issues add `choose()` / `reward()` (campaign bandit) here, computed from the same
  // history.

  /** Stops the worker and the tab sync; the history stays on the device. */
  close() {
    this.#engine.close();
    this.#store.close();
  }

  async #timed(method, ...args) {
    const started = performance.now();
    const result = await this.#engine.call(method, ...args);
    // `elapsedMs` is what the page waited (messaging included); `computeMs` the engine alone.
    result.elapsedMs = performance.now() - started;
    // The engine names the backend that scored; a lost GPU device shows up here first.
    if (result.backend && result.backend !== this.#backend) {
      this.#backend = result.backend;
      this.#backendError = await this.#engine.call('fallbackReason');
    }
    return result;
  }
}

/** `shop.history`: what is stored on this device, for the shopper to see, take and erase. */
class History {
  #shop;
  #store;

  constructor(shop, store) {
    this.#shop = shop;
    this.#store = store;
  }

  /** The events, oldest first. */
  events() {
    return this.#store.events();
  }

  get size() {
    return this.#store.size;
  }

  /** 'indexeddb' or 'memory' (this tab only; see `storageError`). */
  get storage() {
    return this.#store.mode;
  }

  get storageError() {
    return this.#store.error;
  }

  /** Stored records that could not be read and were skipped. */
  get skipped() {
    return this.#store.skipped.map((s) => ({ ...s }));
  }

  get cap() {
    return this.#store.cap;
  }

  /**
   * Everything stored about the shopper, as plain JSON a person can read: each event with
   * its time and the item's title.
   */
  async export() {
    const events = this.#store.events();
    const ids = [...new Set(events.map((e) => e.itemId))];
    const items = await this.#shop.items(ids).catch(() => []);
    const titles = new Map(ids.map((id, i) => [id, items[i]?.title]));
    return {
      format: 'shopwindow-history',
      version: 1,
      exportedAt: new Date().toISOString(),
      storedIn: this.#store.mode === 'indexeddb' ? 'IndexedDB on this device' : 'memory of this tab only',
      cap: this.#store.cap,
      skippedRecords: this.#store.skipped.length,
      events: events.map((e) => ({
        time: new Date(e.timestamp).toISOString(),
        type: e.type,
        itemId: e.itemId,
        ...(titles.get(e.itemId) ? { title: titles.get(e.itemId) } : {}),
        timestamp: e.timestamp,
      })),
    };
  }

  /** Deletes the history from this device (every tab of the shop sees it go). */
  erase() {
    return this.#store.erase();
  }
}

/** Copies the known options; an unknown one is an error so a typo cannot pass silently. */
function pick(options, names, method) {
  const out = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if (!names.includes(key)) throw new TypeError(`${method}: unknown option ${JSON.stringify(key)}`);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
