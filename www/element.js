/**
 * `<shopwindow-recs>`: a row of recommendations a store puts in its HTML, no code needed.
 *
 *   <meta name="shopwindow-catalog" content="/catalog.safetensors">
 *   <script type="module" src="/shopwindow/element.js"></script>
 *   <shopwindow-recs placement="for-you" k="8"></shopwindow-recs>
 *   <shopwindow-recs placement="similar" item="SKU-123" heading="You may also like"></shopwindow-recs>
 *
 * Every element of a page shares one `Shopwindow.open` per catalog. The cards are plain light
 * DOM (the store's CSS applies), built with DOM calls only (no markup from catalog text, no
 * inline styles or scripts: the page's strict CSP holds). The row's space is reserved by
 * placeholder cards of the same template while the engine loads, so nothing moves when the
 * cards arrive. On any failure the row hides (or shows the store's fallback children) and
 * says why in a console warning.
 */

import { Shopwindow } from './index.js';

const PLACEMENTS = ['for-you', 'similar', 'together', 'trending'];
const HEADINGS = { 'for-you': 'Recommended for you', similar: 'Similar items', together: 'Often bought together', trending: 'Trending now' };
/** Catalog URL → the page's one shop for it. */
const shops = new Map();
/** Views are recorded one at a time, so two rows of one product page record it once. */
let views = Promise.resolve();
let rows = 0;

/** An attribute of the element, else the page's `<meta name="shopwindow-NAME" content>`. */
function setting(element, name) {
  return element.getAttribute(name) ?? document.querySelector(`meta[name="shopwindow-${name}"]`)?.getAttribute('content') ?? null;
}

function openShop(element) {
  const catalog = setting(element, 'catalog');
  if (!catalog) return Promise.reject(new Error('no catalog: set catalog="…" on the element or <meta name="shopwindow-catalog" content="…">'));
  const url = new URL(catalog, document.baseURI).href;
  if (!shops.has(url)) {
    shops.set(
      url,
      Shopwindow.open({
        catalogUrl: url,
        worker: setting(element, 'worker') !== 'false',
        version: setting(element, 'version') ?? undefined,
        integrity: setting(element, 'integrity') ?? undefined,
      }),
    );
  }
  return shops.get(url);
}

/** Default look, in the document's adopted style sheets (a constructed sheet needs no
 *  'unsafe-inline'). `:where` keeps it at zero specificity: any rule of the store wins. */
const CSS = `
shopwindow-recs{display:block}
shopwindow-recs[hidden]{display:none}
:where(shopwindow-recs)>ul{display:grid;grid-auto-flow:column;grid-auto-columns:minmax(9rem,13rem);gap:1rem;overflow-x:auto;list-style:none;margin:0;padding:0 0 .4rem}
:where(shopwindow-recs .sw-card){display:flex;flex-direction:column}
:where(shopwindow-recs .sw-link){display:flex;flex-direction:column;gap:.25rem;flex:1;padding:.6rem;border:1px solid #0002;border-radius:10px;background:#fff;color:inherit;text-decoration:none}
:where(shopwindow-recs .sw-image){display:block;width:100%;aspect-ratio:1;object-fit:cover;border-radius:7px;background:#eee}
:where(shopwindow-recs .sw-category){font-size:.7rem;text-transform:uppercase;color:#555;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
:where(shopwindow-recs .sw-title){font-size:.9rem;line-height:1.25;height:2.5em;overflow:hidden}
:where(shopwindow-recs .sw-price){font-weight:700;line-height:1.25}
:where(shopwindow-recs .sw-placeholder){border-radius:10px;background:#0000000d}
:where(shopwindow-recs .sw-placeholder)>*{visibility:hidden}`;
let styled = false;

function adoptStyles() {
  if (styled) return;
  styled = true;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = [sheet, ...document.adoptedStyleSheets];
  } catch {
    // No constructable sheets (old browsers): unstyled but working cards.
  }
}

function node(tag, className, field) {
  const n = document.createElement(tag);
  n.className = className;
  if (field) n.dataset.field = field;
  return n;
}

function defaultCard() {
  const template = document.createElement('template');
  const link = node('a', 'sw-link', 'link');
  const image = node('img', 'sw-image', 'image');
  image.alt = '';
  image.loading = 'lazy';
  link.append(image, node('span', 'sw-category', 'category'), node('span', 'sw-title', 'title'), node('span', 'sw-price', 'price'));
  template.content.append(link);
  return template;
}

export class ShopwindowRecs extends HTMLElement {
  static observedAttributes = ['placement', 'k', 'item', 'items', 'category', 'heading', 'label', 'fresh'];

  #heading;
  #list;
  #fallback = [];
  #run = 0;
  #queued = false;
  #observer;
  #shop;

  /** The page's shop (opened by the first row that needs it). */
  get shop() {
    return openShop(this);
  }

  connectedCallback() {
    adoptStyles();
    if (!this.#list) {
      // The store's own children (but a card template) are the fallback shown on failure.
      this.#fallback = [...this.children].filter((c) => c.localName !== 'template');
      this.#heading = node('h2', 'sw-heading');
      this.#heading.id = `shopwindow-recs-${++rows}`;
      this.#list = node('ul', 'sw-list');
      this.#list.setAttribute('role', 'list'); // list-style: none drops the role in Safari
      this.append(this.#heading, this.#list);
      this.addEventListener('click', (event) => this.#clicked(event));
    }
    this.#queue();
  }

  disconnectedCallback() {
    this.#observer?.disconnect();
    this.#run++;
  }

  attributeChangedCallback() {
    if (this.#list && this.isConnected) this.#queue();
  }

  /** Several attribute changes in one task render once. */
  #queue() {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      if (this.isConnected) this.#render();
    });
  }

  async #render() {
    const run = ++this.#run;
    const placement = this.getAttribute('placement');
    const k = Math.min(48, Math.max(1, Number.parseInt(this.getAttribute('k') ?? '8', 10) || 8));
    const category = this.getAttribute('category') || undefined;
    const template = this.querySelector(':scope > template') ?? defaultCard();
    this.#observer?.disconnect();
    this.#show(true);
    this.setAttribute('role', 'region');
    const label = this.getAttribute('label');
    const heading = this.getAttribute('heading') ?? (placement === 'trending' && category ? `Trending in ${category}` : HEADINGS[placement] ?? '');
    this.#heading.textContent = heading;
    this.#heading.hidden = label !== null;
    if (label !== null) {
      this.setAttribute('aria-label', label);
      this.removeAttribute('aria-labelledby');
    } else {
      this.setAttribute('aria-labelledby', this.#heading.id);
      this.removeAttribute('aria-label');
    }
    this.setAttribute('aria-busy', 'true');
    this.dataset.state = 'loading';
    this.#list.replaceChildren(...Array.from({ length: k }, () => this.#card(template, null)));
    try {
      if (!PLACEMENTS.includes(placement)) throw new Error(`unknown placement "${placement}" (expected ${PLACEMENTS.join(', ')})`);
      const item = this.getAttribute('item') || null;
      if (placement === 'similar' && !item) throw new Error('placement "similar" needs item="ID"');
      const shop = await openShop(this);
      if (run !== this.#run) return;
      this.#shop = shop;
      const filters = { availableOnly: true };
      // fresh="0.25": a share of the places for new products; the engine checks the share.
      const share = this.getAttribute('fresh');
      const fresh = share === null ? {} : { fresh: { share: Number(share) } };
      let result;
      if (placement === 'for-you') {
        result = await shop.recommend({ k, exclude: item ? [item] : [], filters: category ? { ...filters, categories: [category] } : filters, ...fresh });
      } else if (placement === 'similar') {
        result = await shop.similar(item, { k, filters, ...fresh });
      } else if (placement === 'trending') {
        result = await shop.trending({ k, category, filters });
      } else {
        const ids = (this.getAttribute('items') ?? '').split(/\s+/).filter(Boolean);
        if (item) ids.unshift(item);
        // No ids given: the basket recorded on this device (cart events), latest first.
        const basket = ids.length ? ids : [...new Set(shop.history.events().filter((e) => e.type === 'cart').map((e) => e.itemId).reverse())].slice(0, 10);
        result = basket.length ? await shop.together(basket, { k, filters }) : { items: [], unknownItems: [] };
      }
      if (run !== this.#run) return;
      const href = setting(this, 'link') ?? '?item={id}';
      const price = priceFormat(setting(this, 'currency'));
      this.#list.replaceChildren(...result.items.map((i) => this.#card(template, i, href, price)));
      this.removeAttribute('aria-busy');
      this.dataset.state = result.items.length ? 'ready' : 'empty';
      if (!result.items.length) this.#show(false);
      if (this.dataset.state === 'ready' && item && !result.unknownItems?.includes(item) && setting(this, 'track') !== 'off') this.#watch(shop, item);
      this.dispatchEvent(new CustomEvent('shopwindow-render', { bubbles: true, detail: { items: result.items } }));
    } catch (error) {
      if (run !== this.#run) return;
      console.warn(`<shopwindow-recs placement="${placement}">: ${error?.message ?? error}; showing ${this.#fallback.length ? 'the fallback content' : 'nothing'}`);
      this.#list.replaceChildren();
      this.removeAttribute('aria-busy');
      this.dataset.state = 'error';
      this.#show(false);
    }
  }

  /** Either the row (heading and list) or the store's fallback children; with neither, the
   *  element hides. */
  #show(row) {
    this.#list.hidden = !row;
    if (!row) this.#heading.hidden = true;
    for (const child of this.#fallback) child.hidden = row;
    this.hidden = !row && this.#fallback.length === 0;
    if (!row) for (const name of ['role', 'aria-label', 'aria-labelledby']) this.removeAttribute(name);
  }

  /** One card from the template: `data-field` names what goes where. Without an item, a
   *  placeholder of the same shape (blank text, no image, no link: nothing to focus). */
  #card(template, item, href, price) {
    const li = node('li', item ? 'sw-card' : 'sw-card sw-placeholder');
    li.append(template.content.cloneNode(true));
    if (!item) li.setAttribute('aria-hidden', 'true');
    else li.dataset.itemId = item.id;
    for (const el of li.querySelectorAll('[data-field]')) {
      const field = el.dataset.field;
      if (field === 'link') {
        if (item) el.href = href.replaceAll('{id}', encodeURIComponent(item.id));
      } else if (field === 'image') {
        if (item?.imageUrl) el.src = new URL(item.imageUrl, document.baseURI).href;
        // An image without a source keeps its size only without alt text.
        else if (!item) el.removeAttribute('alt');
      } else if (!item) {
        el.textContent = '\u00a0';
      } else {
        el.textContent =
          field === 'title' ? (item.title ?? item.id) : field === 'price' ? (item.price == null ? '' : price.format(item.price)) : (item[field] ?? '');
      }
    }
    return li;
  }

  /** Records a view of the page's product (`item`) once the row is on screen, unless the
   *  latest event already is one (the card click that led here, a reload, a second row). */
  #watch(shop, itemId) {
    this.#observer = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      this.#observer.disconnect();
      views = views
        .then(() => {
          const last = shop.history.events().at(-1);
          if (last?.type !== 'view' || last.itemId !== itemId) return shop.track({ type: 'view', itemId });
        })
        .catch((error) => console.warn(`<shopwindow-recs>: the view was not recorded: ${error.message}`));
    });
    this.#observer.observe(this);
  }

  /** A click on a card is a view of its product. A plain click on its link waits (at most
   *  half a second) for the write before following the link: a page being left may drop it. */
  #clicked(event) {
    const li = event.target.closest?.('li[data-item-id]');
    if (!li || !this.#shop || !this.#list.contains(li) || setting(this, 'track') === 'off') return;
    const written = this.#shop.track({ type: 'view', itemId: li.dataset.itemId }).catch(() => {});
    const a = event.target.closest('a[href]');
    const plain = !(event.button || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey);
    if (!a || event.defaultPrevented || !plain || (a.target && a.target !== '_self') || a.hasAttribute('download')) return;
    event.preventDefault();
    Promise.race([written, new Promise((resolve) => setTimeout(resolve, 500))]).then(() => location.assign(a.href));
  }
}

function priceFormat(currency) {
  const lang = document.documentElement.lang || undefined;
  return new Intl.NumberFormat(lang, currency ? { style: 'currency', currency } : { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

if (!customElements.get('shopwindow-recs')) customElements.define('shopwindow-recs', ShopwindowRecs);
