/**
 * The popular-items preview: a small JSON file the catalog build writes beside the catalog
 * (`shopwindow demo-catalog --popular-json`), holding the list a first-time shopper gets
 * with the fields cards need. A page can draw it while the engine and the catalog are
 * still loading; the engine's `popular()` then returns the same items.
 */

/**
 * Fetches and checks a preview file.
 * @param {string | URL} url
 * @param {{signal?: AbortSignal}} [options]
 * @returns {Promise<{items: Array<{id: string, score: number, title?: string, category?: string,
 *   price?: number, imageUrl?: string, available: boolean}>}>}
 */
export async function popularPreview(url, { signal } = {}) {
  const response = await fetch(url, { signal, credentials: 'same-origin' });
  if (!response.ok) throw new Error(`the popular-items preview ${url}: HTTP ${response.status}`);
  const preview = await response.json();
  if (preview?.format !== 'shopwindow-popular' || preview.version !== 1 || !Array.isArray(preview.items)) {
    throw new Error(`${url} is not a shopwindow popular-items preview (format "shopwindow-popular", version 1)`);
  }
  const bad = preview.items.findIndex((item) => typeof item?.id !== 'string');
  if (bad >= 0) throw new Error(`${url}: items[${bad}] has no string "id"`);
  return { items: preview.items };
}
