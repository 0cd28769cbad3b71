/**
 * Catalog download: streamed with progress, integrity-checked, kept in the Cache API.
 *
 * The catalog is one binary blob (never one IndexedDB record per vector): the Cache API
 * stores it as a response, keyed by the URL plus the catalog's version, so that a new
 * catalog never mixes with an old one and a repeat visit costs no download.
 */

import { checkIntegrity } from './integrity.js';

const CACHE_NAME = 'shopwindow-catalogs';
/** Query parameter added to the cache key (only a key: it is never requested). */
const VERSION_PARAM = 'shopwindow-catalog-version';

/**
 * @typedef {object} DownloadOptions
 * @property {string | URL} url
 * @property {string} [integrity]  SRI string; mismatch = IntegrityError, nothing cached
 * @property {string} [version]  the store's name for this catalog build; with it (or with
 *   `integrity`) a cached copy is used without asking the server
 * @property {boolean} [cache]  use the Cache API (default true)
 * @property {(p: {phase: string, loaded: number, total: number | null}) => void} [onProgress]
 * @property {AbortSignal} [signal]
 */

/**
 * @param {DownloadOptions} options
 * @returns {Promise<{bytes: ArrayBuffer, source: 'network' | 'cache' | 'revalidated', url: string}>}
 */
export async function downloadCatalog({ url, integrity, version, cache = true, onProgress, signal }) {
  const absolute = new URL(url, globalThis.location?.href).href;
  const what = `the catalog ${absolute}`;
  const progress = onProgress ?? (() => {});
  const store = cache ? await openCache() : null;
  const pinned = integrity ?? version;
  const key = cacheKey(absolute, pinned ?? 'latest');
  let cached = store ? await store.match(key).catch(() => undefined) : undefined;

  // A catalog pinned by its digest or version cannot change under the same key.
  if (cached && pinned) {
    const bytes = await cached.arrayBuffer();
    try {
      if (integrity) await checkIntegrity(bytes, integrity, `the cached copy of ${what}`);
      progress({ phase: 'cache', loaded: bytes.byteLength, total: bytes.byteLength });
      return { bytes, source: 'cache', url: absolute };
    } catch {
      // A damaged cached copy: forget it and download again (unconditionally, below).
      await store.delete(key);
      cached = undefined;
    }
  }

  // Otherwise ask the server whether our copy is current (ETag), the way an HTTP cache would.
  const headers = {};
  const etag = cached?.headers.get('ETag');
  if (cached && etag) headers['If-None-Match'] = etag;
  const response = await fetch(absolute, { headers, signal });
  if (response.status === 304 && cached) {
    const bytes = await cached.arrayBuffer();
    progress({ phase: 'cache', loaded: bytes.byteLength, total: bytes.byteLength });
    return { bytes, source: 'revalidated', url: absolute };
  }
  if (!response.ok) {
    throw new Error(`could not download ${what}: HTTP ${response.status} ${response.statusText}`);
  }
  const bytes = await readBody(response, progress);
  if (integrity) await checkIntegrity(bytes, integrity, what);

  if (store) {
    try {
      // The Response copies the bytes now, so the caller may transfer `bytes` to a worker.
      const entry = new Response(bytes, {
        headers: {
          'Content-Type': 'application/octet-stream',
          ...(response.headers.get('ETag') ? { ETag: response.headers.get('ETag') } : {}),
        },
      });
      await store.put(key, entry);
      await dropOtherVersions(store, absolute, key);
    } catch {
      // Quota or a browser without Cache API for this origin: the catalog still loads.
    }
  }
  return { bytes, source: 'network', url: absolute };
}

function cacheKey(url, version) {
  const key = new URL(url);
  key.searchParams.set(VERSION_PARAM, version);
  return key.href;
}

async function openCache() {
  try {
    return globalThis.caches ? await globalThis.caches.open(CACHE_NAME) : null;
  } catch {
    return null; // e.g. opaque origins, or storage disabled
  }
}

/** One cached version per catalog URL: older builds would only waste the shopper's disk. */
async function dropOtherVersions(store, url, keep) {
  for (const request of await store.keys()) {
    const key = new URL(request.url);
    if (!key.searchParams.has(VERSION_PARAM) || request.url === keep) continue;
    key.searchParams.delete(VERSION_PARAM);
    if (key.href === url) await store.delete(request);
  }
}

/** Reads the body in chunks so that progress can be reported while it arrives. */
async function readBody(response, progress) {
  // With Content-Encoding the length header counts compressed bytes, not what we read.
  const encoded = (response.headers.get('Content-Encoding') ?? 'identity') !== 'identity';
  const declared = Number(response.headers.get('Content-Length'));
  const total = !encoded && declared > 0 ? declared : null;
  if (!response.body) {
    const bytes = await response.arrayBuffer();
    progress({ phase: 'download', loaded: bytes.byteLength, total: bytes.byteLength });
    return bytes;
  }
  const reader = response.body.getReader();
  let buffer = new Uint8Array(total ?? 1 << 20);
  let loaded = 0;
  progress({ phase: 'download', loaded, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.byteLength > buffer.byteLength) {
      const grown = new Uint8Array(Math.max(buffer.byteLength * 2, loaded + value.byteLength));
      grown.set(buffer.subarray(0, loaded));
      buffer = grown;
    }
    buffer.set(value, loaded);
    loaded += value.byteLength;
    progress({ phase: 'download', loaded, total });
  }
  return loaded === buffer.byteLength ? buffer.buffer : buffer.slice(0, loaded).buffer;
}
