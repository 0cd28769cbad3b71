/**
 * The wasm `Recommender` behind a small, message-friendly interface. The same class runs on
 * the page (`worker: false`) and inside worker.js, so both modes behave identically; only
 * the transport differs (see engine.js).
 */

import init, { Recommender, optionNames } from '../pkg/shopwindow.js';

/** Methods callable from outside; anything else is refused by name. */
const METHODS = new Set([
  'recommend',
  'similar',
  'together',
  'trending',
  'rerank',
  'probability',
  'segment',
  'item',
  'items',
  'info',
  'setBackend',
  'backend',
  'fallbackReason',
  'campaignsOpen',
  'choose',
  'reward',
  'campaignSummary',
  'privacyReport',
]);

/** Methods whose options the page forwards (for `choose`: its context's fields). */
const OPTION_METHODS = ['recommend', 'probability', 'similar', 'together', 'trending', 'rerank', 'segment', 'choose'];

/** @type {Promise<unknown> | null} */
let wasmLoading = null;

/**
 * Downloads, compiles and instantiates the wasm once; later calls share the first one
 * (a second `init` while the first is in flight would fetch the module twice).
 * @param {string} [wasmUrl]
 */
export function loadWasm(wasmUrl) {
  wasmLoading ??= init(wasmUrl ? { module_or_path: wasmUrl } : undefined);
  return wasmLoading;
}

/** @type {Promise<typeof import('../pkg/shopwindow_campaigns.js')> | null} */
let campaignsLoading = null;

/**
 * The campaign policies are a wasm module of their own, imported, downloaded and compiled
 * only on the first `campaignsOpen`: a page without campaigns never fetches them. Later
 * calls share the first load.
 * @param {string} [wasmUrl]
 */
function loadCampaigns(wasmUrl) {
  campaignsLoading ??= import('../pkg/shopwindow_campaigns.js').then(async (module) => {
    await module.default(wasmUrl ? { module_or_path: wasmUrl } : undefined);
    return module;
  });
  // A failed load (offline, blocked) may be retried by the next call.
  campaignsLoading.catch(() => {
    campaignsLoading = null;
  });
  return campaignsLoading;
}

export class Host {
  /**
   * @param {{bytes: ArrayBuffer, wasmUrl?: string, backend?: string}} options
   */
  static async create({ bytes, wasmUrl, backend }) {
    await loadWasm(wasmUrl);
    const host = new Host(new Recommender(new Uint8Array(bytes)));
    await host.setBackend(backend ?? 'auto');
    return host;
  }

  /** @param {Recommender} recommender */
  constructor(recommender) {
    this.recommender = recommender;
    /** @type {string | null} */
    this.backendError = null;
    // A lost GPU device falls back to the CPU by itself; keep the reason for the page.
    recommender.onfallback = (status) => {
      this.backendError = status.reason;
    };
  }

  /**
   * What the page needs to know after loading, including the option names each method
   * takes (from the engine's own option types, so the page checks a caller's options
   * without a copy of them and without a round trip per call).
   */
  describe() {
    const names = Object.fromEntries(OPTION_METHODS.map((method) => [method, optionNames(method)]));
    return { backend: this.backend(), backendError: this.backendError, info: this.info(), optionNames: names };
  }

  call(method, args) {
    if (!METHODS.has(method)) throw new Error(`unknown engine method ${JSON.stringify(method)}`);
    return this[method](...args);
  }

  // The async methods score on WebGPU when it is the backend, else on the CPU.
  recommend(history, options) {
    return timed(() => this.recommender.recommendAsync(history, options));
  }

  similar(itemId, options) {
    return timed(() => this.recommender.similarAsync(itemId, options));
  }

  // Bought together and trending read the catalog's offline tables: no scan, no GPU.
  together(itemIds, options) {
    return timed(async () => this.recommender.together(itemIds, options));
  }

  trending(options) {
    return timed(async () => this.recommender.trending(options));
  }

  // Rerank scores only the given items: on the CPU for every backend, the same answer.
  rerank(history, itemIds, options) {
    return timed(async () => this.recommender.rerank(history, itemIds, options));
  }

  probability(history, itemIds, options) {
    return this.recommender.probability(history, itemIds, options);
  }

  segment(history, options) {
    return this.recommender.segment(history, options);
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

  /**
   * Switches to "auto", "webgpu", "simd128" or "scalar". A backend this device cannot run is
   * reported in `backendError`, not fatal: WebGPU failures fall back to the CPU with the
   * same results, and the switch can be retried later.
   */
  async setBackend(name) {
    try {
      const status = await this.recommender.setBackendAsync(name);
      this.backendError = status.fallback ? status.reason : null;
    } catch (error) {
      this.backendError = error.message;
    }
    return { backend: this.backend(), backendError: this.backendError };
  }

  /** Why the requested backend is not the one scoring, if it is not. */
  fallbackReason() {
    return this.backendError;
  }

  backend() {
    return this.recommender.backend;
  }

  // ---- campaigns: the policies live in their own module, beside the catalog's (the shopper's
  // standing comes from it); every call that changes the policy state returns it for the
  // page to store.

  /**
   * Loads campaign definitions (campaigns.json text) with the stored state, loading the
   * campaigns module first if it is not yet. Unreadable state is not fatal: the policies
   * start afresh and the reason is returned.
   * @param {string} definitions
   * @param {string | null} state
   * @param {string} [wasmUrl]  where shopwindow_campaigns_bg.wasm is, if a bundler moved it
   */
  async campaignsOpen(definitions, state, wasmUrl) {
    const { Campaigns } = await loadCampaigns(wasmUrl);
    this.campaigns?.free();
    this.campaigns = null;
    let stateError = null;
    try {
      this.campaigns = new Campaigns(definitions, state ?? undefined);
    } catch (error) {
      if (state == null) throw error;
      stateError = error.message;
      this.campaigns = new Campaigns(definitions, undefined);
    }
    return { dropped: this.campaigns.droppedState, stateError };
  }

  /**
   * Chooses a variant for the shopper with `history`: what the context leaves out and the
   * campaign reads (segment, RFM scores, projected user vector), the catalog's engine
   * computes from one fold-in, all in this one call.
   */
  choose(campaignId, context, history, options) {
    const campaigns = this.#campaigns();
    const request = campaigns.standingRequest(campaignId, context);
    const standing = request === undefined ? undefined : this.recommender.shopperStanding(history, options, request);
    const decision = campaigns.choose(campaignId, context, standing);
    return { decision, state: campaigns.state() };
  }

  reward(campaignId, variant, reward) {
    const campaigns = this.#campaigns();
    campaigns.reward(campaignId, variant, reward);
    return { state: campaigns.state() };
  }

  campaignSummary() {
    return this.#campaigns().summary();
  }

  privacyReport(campaignId) {
    const campaigns = this.#campaigns();
    const report = campaigns.privacyReport(campaignId);
    return { report, state: campaigns.state() };
  }

  #campaigns() {
    if (!this.campaigns) throw new Error('no campaigns are loaded: pass `campaignsUrl` or `campaigns` to Shopwindow.open');
    return this.campaigns;
  }
}

/** Adds `computeMs`: the time the engine itself took, without any messaging. */
async function timed(run) {
  const started = performance.now();
  const result = await run();
  result.computeMs = performance.now() - started;
  return result;
}
