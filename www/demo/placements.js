/**
 * The demo's placements beyond "for you" and "similar": "often bought together" on the
 * product page (with what is already in the basket) and "trending" above the grid
 * ("trending in <category>" on a category page). Both read the catalog's offline tables
 * (`shop.together`, `shop.trending`); a catalog built without them hides the row.
 */

/**
 * @param {import('../index.js').Shopwindow} shop
 * @param {string} itemId  the product on the page
 * @param {(item: object) => HTMLElement} card
 */
export async function renderTogether(shop, itemId, card) {
  const section = document.getElementById('together-section');
  // What the shopper put in the basket on this device, most recent first, plus this item.
  const basket = [...new Set(shop.history.events().filter((e) => e.type === 'cart').map((e) => e.itemId).reverse())];
  const items = [itemId, ...basket.filter((id) => id !== itemId).slice(0, 9)];
  try {
    const result = await shop.together(items, { k: 6, filters: { availableOnly: true } });
    section.hidden = result.items.length === 0;
    section.dataset.basket = String(items.length - 1);
    document.getElementById('together').replaceChildren(...result.items.map(card));
  } catch {
    section.hidden = true;
  }
}

/**
 * @param {import('../index.js').Shopwindow} shop
 * @param {string | null} category  the category page, or null for the home page
 * @param {(item: object) => HTMLElement} card
 */
export async function renderTrending(shop, category, card) {
  const section = document.getElementById('trending-section');
  try {
    const result = await shop.trending({ k: 6, category: category ?? undefined, filters: { availableOnly: true } });
    document.getElementById('trending-title').textContent = category ? `Trending in ${category}` : 'Trending now';
    document.getElementById('trending').replaceChildren(...result.items.map(card));
    section.hidden = result.items.length === 0;
  } catch {
    section.hidden = true;
  }
}

/** The basket on this device: the items the shopper put in it (cart events), latest first. */
export function basketIds(shop) {
  return [...new Set(shop.history.events().filter((e) => e.type === 'cart').map((e) => e.itemId).reverse())];
}

/**
 * The basket drawer: its items and "often bought together" with all of them (one
 * `shop.together` call for the whole basket; its own items never come back).
 * @param {import('../index.js').Shopwindow} shop
 * @param {(item: object) => HTMLElement} card
 */
export async function renderBasket(shop, card) {
  const ids = basketIds(shop);
  const items = await shop.items(ids);
  document.getElementById('basket-empty').hidden = ids.length > 0;
  document.getElementById('basket-list').replaceChildren(
    ...ids.map((id, i) => {
      const li = document.createElement('li');
      li.dataset.itemId = id;
      const link = Object.assign(document.createElement('a'), { href: `#/item/${encodeURIComponent(id)}`, textContent: items[i]?.title ?? id });
      li.append(link);
      return li;
    }),
  );
  const section = document.getElementById('basket-together-section');
  try {
    const result = ids.length ? await shop.together(ids.slice(0, 10), { k: 4, filters: { availableOnly: true } }) : { items: [] };
    document.getElementById('basket-together').replaceChildren(...result.items.map(card));
    section.hidden = result.items.length === 0;
  } catch {
    section.hidden = true;
  }
}
