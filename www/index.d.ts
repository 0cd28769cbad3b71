// Types of the shopwindow package. The item, option and result shapes are generated from
// the Rust façades (pkg/shopwindow.d.ts, and pkg/shopwindow_campaigns.d.ts for campaigns)
// and re-used here, so they cannot drift apart.

import type { CampaignDecision, CampaignSummary, ChooseContext, PrivacyReport } from './pkg/shopwindow_campaigns.js';
import type {
  CatalogInfo,
  EventType,
  Filters,
  HistoryEvent,
  ItemResult,
  RecommendOptions as EngineRecommendOptions,
  Recommendations,
  RfmResult,
  SegmentOptions,
  SegmentResult,
  ShopperSegment,
  SimilarItems,
  SimilarOptions as EngineSimilarOptions,
  PlacementItems,
  PlacementOptions,
  RerankOptions,
  RerankStrategy,
  RerankedItem,
  RerankedList,
  Rules,
  Boost,
  PinRule,
  Fresh,
} from './pkg/shopwindow.js';

export type { CampaignDecision, CampaignSummary, PrivacyReport, CatalogInfo, EventType, Filters, HistoryEvent, ItemResult, Recommendations, SimilarItems };
export type { RfmResult, SegmentOptions, SegmentResult, ShopperSegment };
export type { PlacementItems, PlacementOptions };
export type { RerankOptions, RerankStrategy, RerankedItem, RerankedList };
/** Merchandising rules (boost / bury, pins, never show, hide recently bought): README, "Merchandising rules". */
export type { Rules, Boost, PinRule };
/** `fresh: { share }` of recommend and similar: ⌊share·k⌋ places (share in [0, 0.5]) for new, content-derived products: README, "Fresh". */
export type { Fresh };
/** The methods `setRules` keeps default rules for. */
export type RulePlacement = 'recommend' | 'similar' | 'together' | 'trending';
/** Context of `choose`; every field is optional, and what is left out the engine fills in from the history. */
export type { ChooseContext };

/** Scoring backend: "auto" lets the engine pick (WebGPU on a hardware GPU for large catalogs, else SIMD128). */
export type Backend = 'auto' | 'webgpu' | 'simd128' | 'scalar';

export interface Progress {
  /** "download" while bytes arrive, "cache" when served from the Cache API, then "start", "ready". */
  phase: 'download' | 'cache' | 'start' | 'ready';
  loaded: number;
  /** Null when the server sent no usable Content-Length. */
  total: number | null;
}

export interface OpenOptions {
  /** The catalog file (safetensors), usually on the store's own static host. */
  catalogUrl: string | URL;
  /** Subresource Integrity, e.g. "sha384-…": a mismatch throws IntegrityError and loads nothing. */
  integrity?: string;
  /** The store's name for this catalog build; with it (or integrity) a cached copy is reused without a request. */
  version?: string;
  /** Score in a Web Worker (default true); falls back to the page when workers cannot start (see `status.workerError`). */
  worker?: boolean;
  /** Where worker.js is, if a bundler moved it. */
  workerUrl?: string | URL;
  /** Where shopwindow_bg.wasm is, if a bundler moved it. */
  wasmUrl?: string | URL;
  /**
   * Where shopwindow_gpu_bg.wasm is, if a bundler moved it: the WebGPU backend, which
   * scans the engine's catalog on the GPU, fetched beside shopwindow_bg.wasm only when a
   * GPU would score (`backend: "webgpu"`, or "auto" with a large catalog and a hardware GPU
   * adapter).
   */
  gpuWasmUrl?: string | URL;
  /**
   * Where shopwindow_interests_bg.wasm is, if a bundler moved it: multi-interest clustering,
   * fetched on the first `recommend({ interests: true })` with enough history to split.
   */
  interestsWasmUrl?: string | URL;
  /** Default "auto". An unavailable backend is reported in `status.backendError`, not fatal. */
  backend?: Backend;
  /** Keep the catalog in the Cache API (default true). */
  cache?: boolean;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
  /** IndexedDB database name (default "shopwindow"); also the BroadcastChannel tabs share. */
  storageName?: string;
  /** Most events kept; the oldest are pruned past it (default 1000). */
  historyCap?: number;
  /** An IndexedDB factory to use instead of the page's (null = keep history in memory). */
  indexedDB?: IDBFactory | null;
  /** The store's campaigns.json (same origin); enables `choose` / `reward`. */
  campaignsUrl?: string | URL;
  /** Or the campaign definitions themselves (object or JSON text). */
  campaigns?: object | string;
  /** Where shopwindow_campaigns_bg.wasm is, if a bundler moved it (fetched only with campaigns). */
  campaignsWasmUrl?: string | URL;
}

/**
 * Whether campaigns are loaded, why not, and stored state that could not be used. They load
 * after `open` resolves (`loading` until then); `campaignsReady()` waits for them.
 */
export interface CampaignStatus {
  loaded: boolean;
  loading: boolean;
  error: string | null;
  dropped: string[];
  stateError: string | null;
}

export interface TrackEvent {
  type: EventType;
  itemId: string;
  /** Milliseconds since the epoch; default now. */
  timestamp?: number;
}

export interface StoredEvent {
  itemId: string;
  type: EventType;
  timestamp: number;
}

/** Options of `recommend`: the engine's options (k, filters, diversity, `interests: true` for multi-interest lists, …). */
export type RecommendOptions = EngineRecommendOptions;
export type SimilarOptions = EngineSimilarOptions;

export interface Timed {
  /** Time the page waited, messaging included. */
  elapsedMs: number;
  /** Time the engine took. */
  computeMs: number;
}

export interface Status {
  backend: string;
  requestedBackend: Backend | string;
  backendError: string | null;
  /** True when scoring runs in a Web Worker. */
  worker: boolean;
  workerError: string | null;
  /** "memory" when IndexedDB is unavailable or failed: history then lasts as long as the tab. */
  storage: 'indexeddb' | 'memory';
  /** Why the history is in memory ("out of storage space (QuotaExceededError: …)", "IndexedDB
   *  did not open within 5000 ms", …), or null. */
  storageError: string | null;
  /** What happened to the stored data that the page may want to tell the shopper, e.g. that
   *  the browser deleted it while the shop was open and this tab wrote it back; or null. */
  storageNotice: string | null;
  /** Stored records that could not be read and were skipped. */
  skippedRecords: number;
  historyCap: number;
  catalog: { url: string; source: 'network' | 'cache' | 'revalidated'; byteLength: number };
  /** Whether campaigns are loaded (or still `loading`), why not, and stored state that could not be used. */
  campaigns: CampaignStatus;
}

export interface HistoryExport {
  format: 'shopwindow-history';
  version: 1;
  exportedAt: string;
  storedIn: string;
  cap: number;
  skippedRecords: number;
  events: { time: string; type: EventType; itemId: string; title?: string; timestamp: number }[];
}

export interface History {
  /** Oldest first. */
  events(): StoredEvent[];
  readonly size: number;
  readonly storage: 'indexeddb' | 'memory';
  readonly storageError: string | null;
  readonly skipped: { key: IDBValidKey; reason: string }[];
  readonly cap: number;
  /** Everything stored about the shopper, as readable JSON. */
  export(): Promise<HistoryExport>;
  /** Deletes the history and campaign state (the whole database) from this device, in every tab. */
  erase(): Promise<void>;
}

export declare class IntegrityError extends Error {
  name: 'IntegrityError';
}

export declare const HISTORY_CAP: number;

/**
 * The popular-items preview a catalog build writes beside the catalog
 * (`shopwindow demo-catalog --popular-json popular.json`): the first-time shopper's list
 * with the fields cards need, to draw before the engine is up. `popular({ k })` returns the
 * same items once it is. Rejects with an Error naming the file when it is not a preview.
 */
export declare function popularPreview(
  url: string | URL,
  options?: { signal?: AbortSignal },
): Promise<{ items: Array<Omit<ItemResult, 'probability' | 'interest'>> }>;

/**
 * Events: "change" (history changed here or in another tab; detail {reason, size}) and
 * "storage" (history fell back to memory, or the browser deleted it while the page was open and
 * it was written back; detail {mode, error, notice}).
 */
export declare class Shopwindow extends EventTarget {
  static open(options: OpenOptions): Promise<Shopwindow>;
  /** The backend scoring now: "webgpu", "simd128" or "scalar". */
  readonly backend: string;
  readonly status: Status;
  readonly catalog: CatalogInfo & { url: string; source: Status['catalog']['source']; byteLength: number };
  readonly history: History;
  track(event: TrackEvent): Promise<StoredEvent>;
  recommend(options?: RecommendOptions): Promise<Recommendations & Timed>;
  similar(itemId: string, options?: SimilarOptions): Promise<SimilarItems & Timed>;
  /** Often bought together with the given items (a product, or the whole cart). */
  together(itemIds: string[], options?: PlacementOptions): Promise<PlacementItems & Timed>;
  /** Trending overall, or in `options.category` (decayed popularity computed at build time). */
  trending(options?: PlacementOptions): Promise<PlacementItems & Timed>;
  /**
   * A list the store shows reordered for the shopper: the model's order mixed with the given
   * one by `strength` (0 = given order, 1 = model's, default 1). Unknown ids keep their
   * positions; without history the given order comes back (`strategy: "store"`).
   */
  rerank(itemIds: Iterable<string>, options?: RerankOptions): Promise<RerankedList & Timed>;
  /** Default rules of a placement, for its calls without `rules` of their own; null removes them. */
  setRules(placement: RulePlacement, rules: Rules | null): void;
  /** The default rules of a placement (a copy), or null. */
  rulesFor(placement: RulePlacement): Rules | null;
  /** Most popular items, optionally of one category (ignores the history). */
  popular(options?: { k?: number; category?: string; filters?: Filters }): Promise<Recommendations & Timed>;
  probability(itemIds: string[], options?: RecommendOptions): Promise<number[]>;
  item(itemId: string): Promise<ItemResult | null>;
  items(itemIds: Iterable<string>): Promise<(ItemResult | null)[]>;
  /**
   * The shopper's customer segment and RFM standing from the history on this device
   * (`segment` null without history, `rfm` null without purchases). Rejects when the
   * catalog ships no segments.
   */
  segment(options?: SegmentOptions): Promise<ShopperSegment>;
  /**
   * Switches backend and resolves to the one now scoring. A backend the device cannot run is
   * reported in `status.backendError` (WebGPU falls back to the CPU with the same results);
   * may be retried.
   */
  setBackend(name: Backend): Promise<string>;
  /**
   * Resolves once the campaigns given to `open` are loaded or failed to (their own wasm
   * module, loaded after the catalog's engine); the campaign methods wait by themselves.
   */
  campaignsReady(): Promise<CampaignStatus>;
  /** Which variant of a campaign to show (decided on this device); records the show. */
  choose(campaignId: string, context?: ChooseContext): Promise<CampaignDecision>;
  /** Rewards the latest unrewarded show of `variant` among the campaign's last 8 decisions, in any tab (1 = click, the default; 0..1 otherwise). */
  reward(campaignId: string, variant: string, reward?: number): Promise<void>;
  /** What the campaign policies learned on this device, and the privacy budget spent. */
  campaignState(): Promise<CampaignSummary>;
  /** The randomized-response report this device would send this epoch (never sent by the package). */
  privacyReport(campaignId: string): Promise<PrivacyReport>;
  /** Stops the worker and tab sync; the history stays on the device. */
  close(): void;
}
