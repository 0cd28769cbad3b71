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
import { prepareEngine } from './lib/engine.js';
import { IntegrityError } from './lib/integrity.js';
import { popularPreview } from './lib/preview.js';
import { DEFAULT_CAP, HistoryStore } from './storage/history.js';

export { IntegrityError, DEFAULT_CAP as HISTORY_CAP, popularPreview };

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
      gpuWasmUrl,
      interestsWasmUrl,
      backend = 'auto',
      cache = true,
      onProgress,
      signal,
      storageName = 'shopwindow',
      historyCap = DEFAULT_CAP,
      indexedDB,
      campaignsUrl,
      campaigns,
      campaignsWasmUrl,
    } = options ?? {};
    if (!catalogUrl) throw new TypeError('Shopwindow.open needs a catalogUrl');
    const report = onProgress ?? (() => {});

    // The engine (worker and wasm), the catalog and the history all load at once.
    const engineLoading = prepareEngine({
      worker,
      workerUrl,
      wasmUrl,
      // A string: it crosses to the worker in a message, where a URL object cannot.
      gpuWasmUrl: gpuWasmUrl === undefined ? undefined : String(gpuWasmUrl),
      interestsWasmUrl: interestsWasmUrl === undefined ? undefined : String(interestsWasmUrl),
    });
    const historyReady = HistoryStore.open({
      name: storageName,
      cap: historyCap,
      ...(indexedDB !== undefined ? { indexedDB } : {}),
    });
    let catalog, started, byteLength;
    try {
      catalog = await downloadCatalog({ url: catalogUrl, integrity, version, cache, onProgress: report, signal });
      // Read before the engine starts: a worker takes the buffer (transferred, length 0 here).
      byteLength = catalog.bytes.byteLength;
      report({ phase: 'start', loaded: byteLength, total: byteLength });
      started = await engineLoading.start({ bytes: catalog.bytes, backend });
    } catch (error) {
      // Leave nothing running (worker, tab sync, database connection) after a failed start.
      engineLoading.close();
      historyReady.then((history) => history.close(), () => {});
      throw error;
    }
    const { engine, description, workerError } = started;
    const history = await historyReady;
    report({ phase: 'ready', loaded: byteLength, total: byteLength });
    return new Shopwindow({
      campaignOptions: { campaignsUrl, campaigns, campaignsWasmUrl, signal },
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
  constructor({ engine, history, description, workerError, requestedBackend, worker, catalog, campaignOptions }) {
    super();
    // Campaigns are optional and load after the catalog's engine, in the background, so the
    // first recommendations never wait for them; a broken campaigns file disables `choose`,
    // never the shop.
    const { campaignsUrl, campaigns } = campaignOptions;
    const wanted = campaignsUrl !== undefined || campaigns !== undefined;
    this.#campaignStatus = { ...CAMPAIGNS_OFF, loading: wanted };
    this.#campaignsReady = openCampaigns(engine, history, campaignOptions).then(({ status, policy }) => {
      this.#campaignStatus = status;
      this.#enginePolicy = policy;
      return { ...status };
    });
    this.#engine = engine;
    this.#store = history;
    this.#backend = description.backend;
    this.#backendError = description.backendError;
    this.#requestedBackend = requestedBackend;
    this.#workerError = workerError;
    this.#worker = worker;
    this.#optionNames = description.optionNames;
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
  #campaignStatus;
  /** Settles with the campaign status once the campaigns given to `open` are loaded or failed. */
  #campaignsReady;
  /** The option names each engine method takes, as the engine lists them (`Host.describe`). */
  #optionNames;
  /** Default merchandising rules by placement (`setRules`). */
  #rules = new Map();
  /** The stored policy state the engine's campaigns were last loaded from or saved as. */
  #enginePolicy;

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
      storageNotice: this.#store.notice,
      skippedRecords: this.#store.skipped.length,
      historyCap: this.#store.cap,
      catalog: { url: this.catalog.url, source: this.catalog.source, byteLength: this.catalog.byteLength },
      campaigns: { ...this.#campaignStatus },
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
    const engineOptions = this.#withRules('recommend', pick(options, this.#optionNames.recommend, 'recommend'));
    return this.#timed('recommend', this.#store.events(), engineOptions);
  }

  /**
   * Items like `itemId` ("customers also bought").
   * @param {string} itemId
   * @param {import('./index.d.ts').SimilarOptions} [options]
   */
  async similar(itemId, options = {}) {
    return this.#timed('similar', itemId, this.#withRules('similar', pick(options, this.#optionNames.similar, 'similar')));
  }

  /**
   * "Often bought together" with `itemIds` (a product, or the whole cart), from the
   * catalog's co-purchase table; unknown ids are listed in `unknownItems`.
   * @param {string[]} itemIds
   * @param {import('./index.d.ts').PlacementOptions} [options]
   */
  async together(itemIds, options = {}) {
    return this.#timed('together', [...itemIds], this.#withRules('together', pick(options, this.#optionNames.together, 'together')));
  }

  /**
   * "Trending" (or "trending in `category`"): decayed popularity computed at build time.
   * @param {import('./index.d.ts').PlacementOptions} [options]
   */
  async trending(options = {}) {
    return this.#timed('trending', this.#withRules('trending', pick(options, this.#optionNames.trending, 'trending')));
  }

  /**
   * Default merchandising rules of one placement ("recommend", "similar", "together" or
   * "trending"), used by every call of that method that passes no `rules` of its own (a
   * call's `rules` replace the default whole, they are not merged; `rules: null` in a call
   * means none). `setRules(placement, null)` removes the default. The engine checks the rules at each call (an unknown field, a wrong type or
   * an out-of-range value is an error naming it).
   * @param {'recommend' | 'similar' | 'together' | 'trending'} placement
   * @param {import('./index.d.ts').Rules | null} rules
   */
  setRules(placement, rules) {
    if (!RULE_PLACEMENTS.includes(placement)) {
      throw new TypeError(`setRules: placement must be one of ${RULE_PLACEMENTS.join(', ')}; got ${JSON.stringify(placement)}`);
    }
    if (rules === null || rules === undefined) {
      this.#rules.delete(placement);
    } else if (typeof rules !== 'object' || Array.isArray(rules)) {
      throw new TypeError('setRules: rules must be an object');
    } else {
      // A copy through JSON: later changes to the caller's object do not leak in.
      this.#rules.set(placement, JSON.parse(JSON.stringify(rules)));
    }
  }

  /** The default rules of `placement` (a copy), or null. */
  rulesFor(placement) {
    const rules = this.#rules.get(placement);
    return rules ? JSON.parse(JSON.stringify(rules)) : null;
  }

  /**
   * `options` with the placement's default rules when it brings none; for the methods
   * that take no history, the history is added when the rules hide recent purchases.
   */
  #withRules(method, options) {
    // A call's own `rules` (even null: none) replace the default.
    const rules = 'rules' in options ? options.rules : this.#rules.get(method);
    if (!rules) return options;
    const out = { ...options, rules };
    if (method !== 'recommend' && rules.hideBoughtDays !== undefined && out.history === undefined) {
      out.history = this.#store.events();
    }
    return out;
  }

  /**
   * A list the store already shows (a category grid, search results) reordered for the
   * shopper from the history on this device. Each item gets the model's score (the one
   * `recommend` would give it); `strength` (0 = the given order, 1 = the model's, default 1)
   * mixes the two ranks: key = (1 - strength) * storeRank + strength * modelRank, ties in the
   * given order. Ids the catalog does not know keep their positions and are listed in
   * `unknownItems`; without history the given order comes back unchanged (`strategy: "store"`).
   * @param {string[]} itemIds  in the store's order
   * @param {import('./index.d.ts').RerankOptions} [options]
   */
  async rerank(itemIds, options = {}) {
    return this.#timed('rerank', this.#store.events(), [...itemIds], pick(options, this.#optionNames.rerank, 'rerank'));
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
    return this.#engine.call('probability', this.#store.events(), itemIds, pick(options, this.#optionNames.probability, 'probability'));
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
    return this.#engine.call('segment', this.#store.events(), pick(options, this.#optionNames.segment, 'segment'));
  }

  /**
   * Resolves with `status.campaigns` once the campaigns given to `open` are loaded, or have
   * failed to load. They load after the catalog's engine (their own wasm module, fetched
   * only by pages with campaigns), so `open` does not wait for them; `choose`, `reward`,
   * `campaignState` and `privacyReport` wait by themselves.
   * @returns {Promise<import('./index.d.ts').CampaignStatus>}
   */
  campaignsReady() {
    return this.#campaignsReady;
  }

  /**
   * Which variant of a campaign to show, decided on this device by the campaign's policy.
   * The context is optional: `{page, segment, rfm: {r, f, m}, user}`. What the caller leaves
   * out the engine fills in, in the same call: the segment and RFM scores from the history
   * when the catalog ships them, the shopper's vector when the campaign uses it. The show is
   * recorded.
   * @param {string} campaignId
   * @param {import('./index.d.ts').ChooseContext} [context]
   * @returns {Promise<import('./index.d.ts').CampaignDecision>}
   */
  async choose(campaignId, context = {}) {
    await this.#campaignsReady;
    this.#needCampaigns();
    const given = pick(context, this.#optionNames.choose, 'choose', 'context field');
    return this.#updatePolicies(async () => {
      const { decision, state } = await this.#engine.call('choose', campaignId, given, this.#store.events());
      return { value: decision, state };
    });
  }

  /**
   * What the last shown variant of `campaignId` earned: 1 for a click (default), 0 to 1
   * for other outcomes. It goes to the latest of the campaign's last 8 decisions (in any tab)
   * that showed `variant` and has no reward yet; otherwise it throws.
   */
  async reward(campaignId, variant, reward = 1) {
    await this.#campaignsReady;
    this.#needCampaigns();
    await this.#updatePolicies(async () => {
      const { state } = await this.#engine.call('reward', campaignId, variant, reward);
      return { value: undefined, state };
    });
  }

  /** What the campaign policies learned on this device, and the privacy budget. */
  async campaignState() {
    await this.#campaignsReady;
    this.#needCampaigns();
    await this.#loadPolicies(await this.#store.latestPolicyState());
    return this.#engine.call('campaignSummary');
  }

  /**
   * The randomized-response report this device would send for `campaignId` this epoch
   * (only when the store's campaigns file opts in). Spends ε of the device's lifetime budget
   * once per epoch. The package never sends it: a store that collects reports does so itself.
   */
  async privacyReport(campaignId) {
    await this.#campaignsReady;
    this.#needCampaigns();
    return this.#updatePolicies(async () => {
      const { report, state } = await this.#engine.call('privacyReport', campaignId);
      return { value: report, state };
    });
  }

  /**
   * One change of the policy state, done as a single step across the shop's tabs: the engine
   * first catches up with what another tab saved, then `step` runs and its state is saved.
   * Without it each tab would save its own copy, losing the other's shows and rewards and
   * granting again a privacy budget the other tab spent.
   */
  #updatePolicies(step) {
    return this.#store.updatePolicyState(async (latest) => {
      await this.#loadPolicies(latest);
      const result = await step();
      this.#enginePolicy = result.state;
      return result;
    });
  }

  /** Reloads the engine's policies from `stored` when another tab (or an erase) changed it. */
  async #loadPolicies(stored) {
    if (stored === this.#enginePolicy) return;
    await this.#engine.call('campaignsOpen', this.#campaignStatus.definitions, stored);
    this.#enginePolicy = stored;
  }

  #needCampaigns() {
    const { loaded, error } = this.#campaignStatus;
    if (!loaded) throw new Error(error ?? 'no campaigns: pass `campaignsUrl` or `campaigns` to Shopwindow.open');
  }

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

  /** Deletes the history and the campaign policies' state from this device (every tab of
   *  the shop sees the history go; each tab's policies start afresh at their next use, as
   *  after any change of the stored state). */
  async erase() {
    await this.#store.erase();
  }
}

/** `status.campaigns` of a shop without campaigns. */
const CAMPAIGNS_OFF = Object.freeze({ loaded: false, loading: false, error: null, dropped: [], stateError: null });

/**
 * Fetches (or takes) the campaign definitions and loads them, with the campaigns module,
 * into the engine with the stored policy state. Never throws: a failure is the status.
 * @returns {Promise<{status: {loaded: boolean, loading: false, error: string | null, dropped: string[],
 *   stateError: string | null, definitions?: string}, policy: string | null}>}
 */
async function openCampaigns(engine, history, { campaignsUrl, campaigns, campaignsWasmUrl, signal }) {
  const off = { ...CAMPAIGNS_OFF, dropped: [] };
  const policy = history.policyState();
  if (campaignsUrl === undefined && campaigns === undefined) return { status: off, policy };
  try {
    let definitions;
    if (campaigns !== undefined) {
      definitions = typeof campaigns === 'string' ? campaigns : JSON.stringify(campaigns);
    } else {
      const response = await fetch(campaignsUrl, { signal, credentials: 'same-origin' });
      if (!response.ok) throw new Error(`campaigns file: HTTP ${response.status}`);
      definitions = await response.text();
    }
    const wasmUrl = campaignsWasmUrl === undefined ? undefined : String(campaignsWasmUrl);
    const { dropped, stateError } = await engine.call('campaignsOpen', definitions, policy, wasmUrl);
    return { status: { ...off, loaded: true, dropped, stateError, definitions }, policy };
  } catch (error) {
    return { status: { ...off, error: `campaigns unavailable: ${error.message}` }, policy };
  }
}

/** The methods `setRules` sets defaults for. */
const RULE_PLACEMENTS = ['recommend', 'similar', 'together', 'trending'];

/**
 * Copies the known options (`names`, as the engine lists them); an unknown one is an error
 * so a typo cannot pass silently, and fails here, before any message to the engine.
 */
function pick(options, names, method, what = 'option') {
  const out = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if (!names.includes(key)) throw new TypeError(`${method}: unknown ${what} ${JSON.stringify(key)}`);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
