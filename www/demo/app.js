/**
 * The demo storefront: a product grid from the catalog, a product page with similar items,
 * "recommended for you" that follows the shopper's clicks, and a "your data" panel.
 *
 * Everything is built with DOM calls (no innerHTML with catalog text) so the page runs
 * under a CSP without 'unsafe-inline', and titles cannot inject markup.
 */

import { Shopwindow, popularPreview } from '../index.js';
import { basketIds, renderBasket, renderTogether, renderTrending } from './placements.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const BACKEND_NAMES = { simd128: 'SIMD128', scalar: 'Scalar', webgpu: 'WebGPU' };
const price = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' });

/** @type {Shopwindow} */
let shop;
let currentItem = null;
let lastMs = null;

main().catch((error) => {
  // A shop that could not start shows none of its catalog, the preview included.
  if ($('grid').dataset.source === 'preview') $('grid').replaceChildren();
  showNotice(`The shop could not start: ${error.message}`, 'error');
  $('engine-badge').textContent = 'failed';
  document.body.dataset.state = 'error';
});

async function main() {
  // The first cards come from the preview, drawn while the engine loads (home page only).
  showPreview();
  // catalog.json names the catalog build, so a repeat visit uses the cached copy as is.
  const manifest = await fetch('catalog.json').then((r) => (r.ok ? r.json() : { url: 'catalog.safetensors' }));
  shop = await Shopwindow.open({
    catalogUrl: new URL(manifest.url, location.href),
    version: manifest.version,
    integrity: params.get('integrity') ?? undefined,
    worker: params.get('worker') !== '0',
    backend: params.get('backend') ?? 'auto',
    campaignsUrl: new URL('campaigns.json', location.href),
    onProgress: ({ loaded, total }) => {
      // A compressed response has no length of its decoded bytes: the manifest has it.
      const size = total ?? manifest.bytes;
      $('progress-bar').style.width = size ? `${Math.min(100, (100 * loaded) / size)}%` : '50%';
    },
  });
  $('progress').hidden = true;

  renderCategories();
  showStorageNotice();
  shop.addEventListener('change', () => refreshPersonal());
  shop.addEventListener('storage', () => showStorageNotice());
  wireDataPanel();
  wireBasket();
  wireProductButtons();
  wireBanner();
  window.addEventListener('hashchange', () => route());
  // Reloading a product page is not another visit to it.
  const navigation = performance.getEntriesByType('navigation')[0]?.type;
  await route({ track: navigation !== 'reload' && navigation !== 'back_forward' });
  document.body.dataset.state = 'ready';
}

/**
 * The popular grid from popular.json (written with the catalog) before the engine is up:
 * the engine's own list replaces it with the same items. Without the file the grid just
 * waits for the engine.
 */
async function showPreview() {
  let items;
  try {
    ({ items } = await popularPreview(new URL('popular.json', location.href)));
  } catch {
    return;
  }
  const onHome = !location.hash.split('/')[1];
  if (shop || document.body.dataset.state || !onHome || $('grid').childElementCount) return;
  $('grid').dataset.source = 'preview';
  $('grid').replaceChildren(...items.map(card));
}

// ---- routing: #/ (home), #/category/NAME, #/item/ID -----------------------------------

/** Counts route() calls, so only the latest one to finish marks the page as routed. */
let routes = 0;

async function route({ track = true } = {}) {
  const call = ++routes;
  delete document.body.dataset.routed;
  const [, kind, value] = location.hash.split('/');
  const arg = value ? decodeURIComponent(value) : null;
  if (kind === 'item' && arg) {
    await showProduct(arg, track);
    await renderGrid(currentItem?.category ?? null);
  } else {
    hideProduct();
    await renderGrid(kind === 'category' ? arg : null, { personalize: kind === 'category' });
  }
  // The banner waits for the campaigns module, which loads after the engine: the personal
  // lists do not wait for it.
  await Promise.all([showBanner(kind === 'item' ? 'product' : kind === 'category' ? 'category' : 'home'), refreshPersonal()]);
  // Every list of this page is drawn (the grid's order can change with the history, so a
  // click on a card by position must wait for it): tests and embedding code read this.
  if (call === routes) document.body.dataset.routed = decodeURIComponent(location.hash || '#/');
}

// ---- the campaign banner: chosen on this device, rewarded by a click ---------------------

const BANNER = 'home-banner';

async function showBanner(page) {
  const banner = $('banner');
  // The campaigns load after the shop opens (their own module): the banner waits for them.
  if (!(await shop.campaignsReady()).loaded) {
    banner.hidden = true;
    return;
  }
  let decision;
  try {
    decision = await shop.choose(BANNER, { page });
  } catch (error) {
    // A campaign problem never breaks the shop: no banner, and the reason in a notice.
    banner.hidden = true;
    showNotice(`Banner unavailable: ${error.message}`, 'warn');
    return;
  }
  banner.textContent = decision.label ?? decision.variant;
  banner.dataset.variant = decision.variant;
  banner.dataset.propensity = decision.propensity.toFixed(3);
  banner.title = `Chosen on this device by ${decision.policy} (probability ${decision.propensity.toFixed(2)})`;
  delete banner.dataset.clicked;
  banner.hidden = false;
}

function wireBanner() {
  $('banner').addEventListener('click', async () => {
    const banner = $('banner');
    if (banner.dataset.clicked) return;
    banner.dataset.clicked = '1';
    await shop.reward(BANNER, banner.dataset.variant, 1);
    showNotice('Thanks! The banner learned from your click, on this device only.', 'info');
    if (!$('data-panel').hidden) await renderDataPanel();
  });
}

function renderCategories() {
  const nav = $('categories');
  nav.replaceChildren(link('All', '#/'), ...shop.catalog.categories.map((c) => link(c, `#/category/${encodeURIComponent(c)}`)));
}

/**
 * How far a category page moves toward the shopper's own order (`rerank` strength): 1 is the
 * model's order, 0 the store's.
 */
const RERANK_STRENGTH = 1;

/**
 * The grid: the store's list (popular, in the category when there is one). On a category
 * page the same items are reordered for the shopper with `rerank`, on this device; a shopper
 * without history sees the store's order.
 */
async function renderGrid(category, { personalize = false } = {}) {
  const { items } = await shop.popular({ k: 24, category: category ?? undefined });
  const { shown, order } = personalize ? await personalized(items) : { shown: items, order: 'store' };
  // Title, active link and cards change together: a title over the previous grid would
  // invite a click on a product of the wrong list.
  $('grid-title').textContent = category ? category : 'Popular now';
  for (const a of $('categories').children) a.classList.toggle('active', a.textContent === (category ?? 'All'));
  $('grid').dataset.source = 'engine';
  $('grid').dataset.order = order;
  $('grid-note').hidden = order !== 'personalized';
  $('grid').replaceChildren(...shown.map(card));
  await renderTrending(shop, category, card);
}

/** The store's `items` in the shopper's order; the store's order when that fails. */
async function personalized(items) {
  try {
    const reranked = await shop.rerank(
      items.map((i) => i.id),
      { strength: RERANK_STRENGTH },
    );
    if (reranked.strategy !== 'personalized') return { shown: items, order: 'store' };
    const byId = new Map(items.map((i) => [i.id, i]));
    return { shown: reranked.items.map((r) => byId.get(r.id)), order: 'personalized' };
  } catch (error) {
    showNotice(`Personal order unavailable: ${error.message}`, 'warn');
    return { shown: items, order: 'store' };
  }
}

// ---- product page ------------------------------------------------------------------

async function showProduct(itemId, track) {
  const item = await shop.item(itemId);
  if (!item) {
    showNotice(`No product ${itemId} in this catalog.`, 'error');
    return;
  }
  currentItem = item;
  // Opening a product page is the "view" event recommendations learn from.
  if (track && document.body.dataset.lastViewed !== itemId) {
    await shop.track({ type: 'view', itemId });
  }
  document.body.dataset.lastViewed = itemId;
  $('product').hidden = false;
  setImage($('product-image'), item);
  $('product-category').textContent = item.category ?? '';
  $('product-title').textContent = item.title ?? item.id;
  $('product-price').textContent = item.price != null ? price.format(item.price) : '';
  $('product-stock').textContent = item.available ? 'In stock' : 'Out of stock';
  $('product-stock').classList.toggle('out', !item.available);
  $('add-to-cart').disabled = $('buy-now').disabled = !item.available;
  $('product-id').textContent = item.id;
  const similar = await shop.similar(itemId, { k: 6 });
  noteTime(similar.elapsedMs);
  $('similar').replaceChildren(...similar.items.map(card));
  await renderTogether(shop, itemId, card);
  window.scrollTo({ top: 0 });
}

function hideProduct() {
  currentItem = null;
  delete document.body.dataset.lastViewed;
  $('product').hidden = true;
}

function wireProductButtons() {
  $('add-to-cart').addEventListener('click', () => act('cart', 'Added to your basket.'));
  $('buy-now').addEventListener('click', () => act('purchase', 'Thank you for your order (a demo: nothing was sent).'));
}

async function act(type, message) {
  if (!currentItem) return;
  await shop.track({ type, itemId: currentItem.id });
  if (type === 'cart') await renderTogether(shop, currentItem.id, card);
  showNotice(message, 'info');
}

// ---- "recommended for you" and the data panel ------------------------------------------

async function refreshPersonal() {
  const size = shop.history.size;
  const exclude = currentItem ? [currentItem.id] : [];
  // Before any history the row would repeat the popular grid below it; show what comes next.
  if (size === 0) exclude.push(...[...document.querySelectorAll('#grid .card')].map((c) => c.dataset.itemId));
  const result = await shop.recommend({ k: 8, exclude, diversity: 0.1 });
  noteTime(result.elapsedMs);
  $('for-you-why').textContent =
    result.strategy === 'personalized' ? `from your ${size} ${size === 1 ? 'visit' : 'visits'}` : 'popular picks until you browse';
  $('for-you').dataset.strategy = result.strategy;
  $('for-you').replaceChildren(...result.items.map(card));
  $('data-count').textContent = String(size);
  $('basket-count').textContent = String(basketIds(shop).length);
  if (!$('data-panel').hidden) await renderDataPanel();
  if (!$('basket-panel').hidden) await renderBasket(shop, card);
  // After the panel, so the count and the listed events change together.
  await refreshSegment();
}

/**
 * The segment badge: which of the store's customer segments this history is closest to,
 * and why (the segment's dominant categories), all computed on this device. Hidden until
 * there is history, and for catalogs built without segments.
 */
async function refreshSegment() {
  let result = null;
  try {
    result = await shop.segment();
  } catch (error) {
    if (!/no customer segments/.test(error.message)) showNotice(`Segment unavailable: ${error.message}`, 'warn');
  }
  const segment = result?.segment;
  $('segment').hidden = !segment;
  if (!segment) return;
  $('segment-badge').textContent = segment.label;
  $('segment-badge').dataset.segmentId = String(segment.id);
  const match = Math.round(100 * segment.membership[segment.id]);
  const standing = result.rfm ? ` · as a customer: ${result.rfm.segment}` : '';
  $('segment-why').textContent =
    `why: your visits lean to ${segment.topCategories.join(', ')}, like ${segment.size.toLocaleString('en-GB')} of our customers (${match}% match)${standing}`;
}

function noteTime(ms) {
  lastMs = ms;
  const backend = BACKEND_NAMES[shop.backend] ?? shop.backend;
  const where = shop.status.worker ? 'worker' : 'main thread';
  $('engine-badge').textContent = `${backend} · ${lastMs.toFixed(1)} ms`;
  $('engine-badge').title = `Recommendations computed on this device with ${backend} in a ${where}; the last one took ${lastMs.toFixed(1)} ms.`;
  $('engine-badge').dataset.backend = shop.backend;
}

/** The basket drawer; one panel open at a time. */
function wireBasket() {
  const show = async (open) => {
    $('basket-panel').hidden = !open;
    $('basket-button').setAttribute('aria-expanded', String(open));
    if (open) {
      $('data-panel').hidden = true;
      await renderBasket(shop, card);
    }
  };
  $('basket-button').addEventListener('click', () => show($('basket-panel').hidden));
  $('close-basket').addEventListener('click', () => show(false));
  // A product picked in the drawer opens its page with the drawer out of the way.
  $('basket-panel').addEventListener('click', (e) => {
    if (e.target.closest('a')) show(false);
  });
}

function wireDataPanel() {
  $('data-button').addEventListener('click', async () => {
    $('basket-panel').hidden = true;
    $('basket-button').setAttribute('aria-expanded', 'false');
    $('data-panel').hidden = !$('data-panel').hidden;
    if (!$('data-panel').hidden) await renderDataPanel();
  });
  $('close-panel').addEventListener('click', () => {
    $('data-panel').hidden = true;
  });
  $('export').addEventListener('click', async () => {
    const text = JSON.stringify(await shop.history.export(), null, 2);
    $('export-view').textContent = text;
    $('export-view').hidden = false;
    const link = $('export-link');
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    link.hidden = false;
  });
  $('erase').addEventListener('click', async () => {
    await shop.history.erase();
    $('export-view').hidden = true;
    $('export-link').hidden = true;
    showNotice('Your history was erased from this device.', 'info');
    await refreshPersonal();
    await renderDataPanel();
  });
}

/** Lists exactly what is stored: every event, newest first. */
async function renderDataPanel() {
  const { status, history } = shop;
  $('storage-line').textContent =
    (status.storage === 'indexeddb'
      ? `${history.size} of at most ${history.cap} events, stored in this browser's IndexedDB (oldest dropped first).`
      : `${history.size} events, kept in this tab's memory only: ${status.storageError}`) +
    (status.skippedRecords ? ` ${status.skippedRecords} unreadable record(s) skipped.` : '');
  const events = history.events().reverse();
  const items = await shop.items(events.map((e) => e.itemId));
  $('data-list').replaceChildren(
    ...events.map((event, i) => {
      const li = el('li', { dataset: { itemId: event.itemId, type: event.type } });
      li.append(
        el('span', { className: `event ${event.type}`, textContent: event.type }),
        el('span', { className: 'what', textContent: items[i]?.title ?? event.itemId }),
        el('time', { dateTime: new Date(event.timestamp).toISOString(), textContent: new Date(event.timestamp).toLocaleString() }),
      );
      return li;
    }),
  );
  await renderCampaigns();
}

/** The policy state kept on this device, and the privacy report it would make. Counts its
 *  renders in `data-renders` so a test can tell a fresh list from the previous one. */
async function renderCampaigns() {
  try {
    await renderCampaignState();
  } finally {
    const list = $('campaign-state');
    list.dataset.renders = String(Number(list.dataset.renders ?? 0) + 1);
  }
}

async function renderCampaignState() {
  const campaigns = await shop.campaignsReady();
  if (!campaigns.loaded) {
    $('campaign-state').replaceChildren(el('li', { textContent: campaigns.error ?? 'No campaigns.' }));
    return;
  }
  const summary = await shop.campaignState();
  $('campaign-state').replaceChildren(
    ...summary.campaigns.flatMap((c) =>
      c.variants.map((v) => {
        const li = el('li', { dataset: { campaign: c.id, variant: v.id, shows: String(v.shows), rewards: String(v.rewards) } });
        li.append(
          el('span', { className: 'event', textContent: c.policy }),
          el('span', { className: 'what', textContent: `${v.id}: shown ${v.shows}, clicked ${v.rewards}` }),
        );
        return li;
      }),
    ),
  );
  const { privacy } = summary;
  if (!privacy.enabled) {
    $('privacy-line').textContent = 'This shop does not collect privacy reports.';
    $('privacy-report').textContent = '';
    return;
  }
  let report;
  try {
    report = JSON.stringify(await shop.privacyReport(BANNER), null, 2);
  } catch (error) {
    report = error.message;
  }
  const spent = (await shop.campaignState()).privacy.spent;
  $('privacy-line').textContent =
    `If this shop collected them, this browser would send one randomized answer per day: its true ` +
    `(banner, clicked) pair with probability e^ε / (e^ε + ${2 * summary.campaigns[0].variants.length - 1}), ` +
    `else another pair at random (ε = ${privacy.epsilon}). Privacy budget used: ${spent} of ${privacy.lifetimeBudget}, ` +
    `never renewed. This demo only shows the report; nothing is sent.`;
  $('privacy-report').textContent = report;
}

function showStorageNotice() {
  const { status } = shop;
  const notes = [];
  if (status.storage === 'memory') notes.push(`History is kept in this tab only (${status.storageError}).`);
  if (status.skippedRecords) notes.push(`${status.skippedRecords} stored record(s) could not be read and were skipped.`);
  if (status.workerError) notes.push(`Scoring runs on the page: ${status.workerError}`);
  if (status.backendError) notes.push(`Backend ${status.requestedBackend} unavailable: ${status.backendError}`);
  if (notes.length) showNotice(notes.join(' '), 'warn');
}

// ---- small DOM helpers --------------------------------------------------------------

function card(item) {
  const a = el('a', { className: 'card', href: `#/item/${encodeURIComponent(item.id)}`, dataset: { itemId: item.id, category: item.category ?? '' } });
  const img = el('img', { className: 'thumb', alt: '', loading: 'lazy' });
  setImage(img, item);
  a.append(
    img,
    el('span', { className: 'card-category', textContent: item.category ?? '' }),
    el('span', { className: 'card-title', textContent: item.title ?? item.id }),
    el('span', { className: 'price', textContent: item.price != null ? price.format(item.price) : '' }),
  );
  if (!item.available) a.append(el('span', { className: 'sold-out', textContent: 'Sold out' }));
  return a;
}

/** Category artwork, tinted per item so a row of one category does not look cloned. */
function setImage(img, item) {
  img.src = item.imageUrl ?? 'img/product.svg'; // catalogs without artwork (e.g. --data)
  // CSSOM writes are allowed under a CSP without 'unsafe-inline' (style attributes are not).
  img.style.filter = `hue-rotate(${hash(item.id) % 360}deg) saturate(0.85)`;
}

function hash(text) {
  let h = 0;
  for (const c of text) h = (h * 31 + c.codePointAt(0)) >>> 0;
  return h;
}

function link(text, href) {
  return el('a', { href, textContent: text });
}

function el(tag, props = {}) {
  const { dataset, ...rest } = props;
  const node = Object.assign(document.createElement(tag), rest);
  Object.assign(node.dataset, dataset ?? {});
  return node;
}

function showNotice(text, kind) {
  const notice = $('notice');
  notice.textContent = text;
  notice.className = `notice ${kind}`;
  notice.hidden = false;
}
