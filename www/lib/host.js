/**
 * The wasm `Recommender` behind a small, message-friendly interface. The same class runs on
 * the page (`worker: false`) and inside worker.js, so both modes behave identically; only
 * the transport differs (see engine.js).
 */

import init, { Recommender, optionNames, triesGpu } from '../pkg/shopwindow.js';

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
 * @param {string | Promise<Response>} [wasm]  its URL, or its download already started
 */
export function loadWasm(wasm) {
  wasmLoading ??= init(wasm ? { module_or_path: wasm } : undefined);
  return wasmLoading;
}

/**
 * Imports, downloads and compiles an on-demand module once; a failed load (offline,
 * blocked) may be retried by the next call.
 * @template T
 * @param {() => Promise<T & {default: (options?: object) => Promise<unknown>}>} importModule
 * @returns {(wasmUrl?: string) => Promise<T>}
 */
function onDemand(importModule) {
  let loading = null;
  return (wasmUrl) => {
    loading ??= importModule().then(async (module) => {
      await module.default(wasmUrl ? { module_or_path: wasmUrl } : undefined);
      return module;
    });
    loading.catch(() => {
      loading = null;
    });
    return loading;
  };
}

/**
 * The campaign policies are a wasm module of their own, fetched only on the first
 * `campaignsOpen`: a page without campaigns never loads them.
 * @type {(wasmUrl?: string) => Promise<typeof import('../pkg/shopwindow_campaigns.js')>}
 */
const loadCampaigns = onDemand(() => import('../pkg/shopwindow_campaigns.js'));

/**
 * The WebGPU backend is a module of its own too (`shopwindow_gpu`: the GPU scorer, no
 * engine), fetched only when a GPU would score: `backend: "webgpu"`, or "auto" with a catalog
 * large enough, where the browser offers a GPU adapter the module would use (`gpuRefusal`).
 * Its `GpuRecommender` scans the engine module's catalog on the GPU; the engine plans and
 * answers every request as before.
 * @type {(wasmUrl?: string) => Promise<typeof import('../pkg/shopwindow_gpu.js')>}
 */
const loadGpu = onDemand(() => import('../pkg/shopwindow_gpu.js'));

/**
 * Multi-interest clustering (k-means and its silhouette test) is a module of its own as
 * well (`shopwindow_interests`), fetched on the first `recommend({ interests: true })`
 * whose history has enough items to split: the engine hands over the history's points
 * (`interestPoints`) and takes the interests module's labels back with the request.
 * @type {(wasmUrl?: string) => Promise<typeof import('../pkg/shopwindow_interests.js')>}
 */
const loadInterests = onDemand(() => import('../pkg/shopwindow_interests.js'));

/**
 * Whether a GPU choice is worth fetching the WebGPU module for here: `null` when it is,
 * else what the page is told instead (`backendError`; `undefined`: the engine module's own
 * status says it). Only where the browser offers an adapter, and for "auto" not only a
 * software one (SwiftShader, a fallback adapter), which the WebGPU module refuses for "auto"
 * too, as slower than SIMD128: without this check those browsers would download the module
 * to learn that. The WebGPU module checks the adapter again when it starts.
 * @param {string} backend
 * @returns {Promise<null | {backendError: string | null | undefined}>}
 */
async function gpuRefusal(backend) {
  const gpu = globalThis.navigator?.gpu;
  if (!gpu) return { backendError: undefined };
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return { backendError: 'WebGPU unavailable, using the CPU: this browser offers no GPU adapter' };
  const info = adapter.info ?? {};
  const software = Boolean(adapter.isFallbackAdapter || info.isFallbackAdapter) || info.architecture === 'swiftshader';
  return software && backend === 'auto' ? { backendError: null } : null;
}

/** The backend names that may score on a GPU (what `triesGpu` is asked about). */
const GPU_CHOICES = ['auto', 'webgpu'];

export class Host {
  /**
   * Loads the catalog into the engine module, and starts the WebGPU module beside it when a
   * GPU would score it (decided from the catalog's header).
   * @param {{bytes: ArrayBuffer, wasmUrl?: string, gpuWasmUrl?: string, interestsWasmUrl?: string,
   *   backend?: string}} options
   */
  static async create({ bytes, wasmUrl, gpuWasmUrl, interestsWasmUrl, backend = 'auto' }) {
    await loadWasm(wasmUrl);
    // The engine module's answers from the catalog's header, kept for later switches.
    const view = new Uint8Array(bytes);
    const gpuChoices = GPU_CHOICES.filter((name) => triesGpu(view, name));
    const host = new Host(new Recommender(view), { gpuChoices, gpuWasmUrl, interestsWasmUrl });
    await host.setBackend(backend);
    return host;
  }

  /**
   * @param {Recommender} recommender  the engine module's, holding the catalog
   * @param {{gpuChoices: string[], gpuWasmUrl?: string, interestsWasmUrl?: string}} options
   *   `gpuChoices`: the backend names that would try a GPU for this catalog
   */
  constructor(recommender, { gpuChoices, gpuWasmUrl, interestsWasmUrl }) {
    this.recommender = recommender;
    this.gpuChoices = gpuChoices;
    this.gpuWasmUrl = gpuWasmUrl;
    this.interestsWasmUrl = interestsWasmUrl;
    /** The WebGPU module's recommender once a GPU choice loaded it (it keeps any backend after).
     * @type {import('../pkg/shopwindow_gpu.js').GpuRecommender | null} */
    this.gpu = null;
    /** @type {string | null} */
    this.backendError = null;
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

  // Once the WebGPU module is loaded, its async methods run the scans (on the GPU when it
  // is the backend) and the engine answers.
  recommend(history, options) {
    return timed(async () => {
      const labels = await this.#interestLabels(history, options);
      return this.gpu
        ? this.gpu.recommendAsync(history, options, labels)
        : this.recommender.recommend(history, options, labels);
    });
  }

  /**
   * With `interests: true`, the interests module's labels of the history's points (none
   * to compute, and no module to load, when there are too few to split); otherwise
   * `undefined`. `interestPoints` refuses bad options with the message `recommend` would.
   */
  async #interestLabels(history, options) {
    if (options?.interests !== true) return undefined;
    const points = this.recommender.interestPoints(history, options);
    if (points.length === 0) return new Uint8Array(0);
    const { splitInterests } = await loadInterests(this.interestsWasmUrl);
    return splitInterests(points, this.recommender.info().dim);
  }

  similar(itemId, options) {
    return timed(async () => (this.gpu ? this.gpu.similarAsync(itemId, options) : this.recommender.similar(itemId, options)));
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
   * same results, and the switch can be retried later. The first switch to a GPU loads the
   * WebGPU module; once loaded, it makes every later switch.
   */
  async setBackend(name) {
    try {
      if (this.gpu) {
        this.backendError = statusError(await this.gpu.setBackendAsync(name));
      } else {
        const refusal = this.gpuChoices.includes(name) ? await gpuRefusal(name) : { backendError: undefined };
        if (refusal === null) await this.#startGpu(name);
        else this.#onCpu(name, refusal);
      }
    } catch (error) {
      this.backendError = error.message; // an unknown name: reported, not fatal
    }
    return { backend: this.backend(), backendError: this.backendError };
  }

  /** `name` in the engine module (on the CPU), and why, when the host knows better than it. */
  #onCpu(name, { backendError }) {
    this.recommender.setBackend(name);
    this.backendError = backendError === undefined ? statusError(this.recommender.backendStatus) : backendError;
  }

  /** Loads the WebGPU module and has it take `name` (a GPU failure is its status). */
  async #startGpu(name) {
    let gpu;
    try {
      const { GpuRecommender } = await loadGpu(this.gpuWasmUrl);
      gpu = await GpuRecommender.create(this.recommender, { backend: name });
    } catch (error) {
      this.#onCpu(name, { backendError: `WebGPU unavailable, using the CPU: could not load the WebGPU module: ${error.message}` });
      return;
    }
    this.gpu = gpu;
    this.backendError = statusError(gpu.backendStatus);
    // A lost GPU device falls back to the CPU by itself; keep the reason for the page.
    gpu.onfallback = (status) => {
      this.backendError = status.reason;
    };
  }

  /** Why the requested backend is not the one scoring, if it is not. */
  fallbackReason() {
    return this.backendError;
  }

  backend() {
    return (this.gpu ?? this.recommender).backend;
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

/** A status's reason when it is a fallback (the backend asked for is not scoring). */
function statusError(status) {
  return status.fallback ? status.reason : null;
}

/** Adds `computeMs`: the time the engine itself took, without any messaging. */
async function timed(run) {
  const started = performance.now();
  const result = await run();
  result.computeMs = performance.now() - started;
  return result;
}
