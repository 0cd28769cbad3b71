/**
 * The demo's placements from the catalog's offline tables: "often bought together" on the
 * product page (following what the shopper puts in the basket), "trending" above the grid
 * and "trending in <category>" on category pages. Computed on the device: the request spy
 * sees nothing but the package's own static files.
 */

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { OUTPUT, assertNothingLeftTheDevice, cards, clickProduct, openDemo, serverAndBrowser, spiedPage } from './helpers.js';

const env = serverAndBrowser();

describe('placements', () => {
  for (const worker of ['1', '0']) {
    test(`bought together follows the basket, trending follows the category (worker=${worker})`, async () => {
      const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
      const { page, requests, errors } = await spiedPage(context);
      assert.equal(await openDemo(page, env.server.origin, `?worker=${worker}`), 'ready');

      // Home: trending overall, in stock only.
      await page.waitForSelector('#trending .card');
      assert.equal(await page.textContent('#trending-title'), 'Trending now');
      assert.equal((await cards(page, '#trending')).length, 6);
      assert.equal(await page.locator('#trending .sold-out').count(), 0);

      // A category page: trending in that category only.
      const category = (await page.$$eval('#categories a', (a) => a.map((x) => x.textContent))).find((c) => c !== 'All');
      await page.locator('#categories a', { hasText: category }).first().click();
      await page.waitForFunction((c) => document.getElementById('trending-title').textContent === `Trending in ${c}`, category);
      const trending = await cards(page, '#trending');
      assert.ok(trending.length > 0);
      assert.ok(trending.every((c) => c.category === category), JSON.stringify(trending));

      // A product page: often bought together, never the product itself, in stock only.
      const first = await clickProduct(page, '#grid', 0);
      await page.waitForFunction(() => !document.getElementById('together-section').hidden);
      const together = await cards(page, '#together');
      assert.ok(together.length > 0 && together.length <= 6);
      assert.ok(!together.some((c) => c.id === first));
      assert.equal(await page.locator('#together .sold-out').count(), 0);

      // Putting it in the basket makes the next product's list a basket list: the basket's
      // item never comes back, and the list is computed for both.
      await page.click('#add-to-cart');
      await page.waitForFunction(() => document.getElementById('together-section').dataset.basket === '0');
      const second = await clickProduct(page, '#together', 0);
      await page.waitForFunction(() => document.getElementById('together-section').dataset.basket === '1');
      const withBasket = await cards(page, '#together');
      assert.ok(!withBasket.some((c) => c.id === first || c.id === second), JSON.stringify(withBasket));

      // The same answers straight from the API, with its strict options.
      const direct = await page.evaluate(async ([a, b]) => {
        const { Shopwindow } = await import('/index.js');
        const shop = await Shopwindow.open({ catalogUrl: '/demo/catalog.safetensors', worker: false, storageName: 'placements-direct' });
        const cart = await shop.together([a, b, 'no-such-item'], { k: 4 });
        let error = null;
        try {
          await shop.together([a], { kk: 1 });
        } catch (e) {
          error = e.message;
        }
        shop.close();
        return { ids: cart.items.map((i) => i.id), unknown: cart.unknownItems, error };
      }, [first, second]);
      assert.ok(direct.ids.length > 0 && !direct.ids.includes(first) && !direct.ids.includes(second));
      assert.deepEqual(direct.unknown, ['no-such-item']);
      assert.match(direct.error, /kk/);

      await page.screenshot({ path: join(OUTPUT, `placements-worker-${worker}.png`), fullPage: true });
      await assertNothingLeftTheDevice({ page, requests, errors }, env.server.origin);
      await context.close();
    });
  }

  test('the basket drawer lists the basket and what is often bought together with all of it', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, requests, errors } = await spiedPage(context);
    assert.equal(await openDemo(page, env.server.origin), 'ready');
    await page.click('#basket-button');
    assert.equal(await page.getAttribute('#basket-button', 'aria-expanded'), 'true');
    assert.ok(await page.isVisible('#basket-empty'));
    assert.ok(await page.isHidden('#basket-together-section'));
    await page.click('#close-basket');

    const basket = [];
    for (const index of [0, 3]) {
      basket.push(await clickProduct(page, '#grid', index));
      await page.click('#add-to-cart');
      await page.waitForFunction((n) => document.getElementById('basket-count').textContent === String(n), basket.length);
    }
    await page.click('#basket-button');
    await page.waitForFunction(() => !document.getElementById('basket-together-section').hidden);
    const listed = await page.$$eval('#basket-list li', (items) => items.map((li) => li.dataset.itemId));
    assert.deepEqual(listed, [...basket].reverse(), 'latest first');
    const together = await cards(page, '#basket-together');
    assert.ok(together.length > 0 && together.length <= 4);
    assert.ok(!together.some((c) => basket.includes(c.id)), JSON.stringify(together));
    // The drawer's list is the engine's list for the whole basket.
    const direct = await page.evaluate(async (ids) => {
      const { Shopwindow } = await import('/index.js');
      const shop = await Shopwindow.open({ catalogUrl: '/demo/catalog.safetensors', worker: false, storageName: 'basket-direct' });
      const result = await shop.together(ids, { k: 4, filters: { availableOnly: true } });
      shop.close();
      return result.items.map((i) => i.id);
    }, [...basket].reverse());
    assert.deepEqual(together.map((c) => c.id), direct);

    await page.screenshot({ path: join(OUTPUT, 'basket-drawer.png') });
    // Picking one opens its page and closes the drawer.
    await page.locator('#basket-together .card').first().click();
    await page.waitForFunction((id) => document.getElementById('product-id').textContent === id, together[0].id);
    assert.ok(await page.isHidden('#basket-panel'));
    assert.ok(requests.every((r) => r.url().startsWith(env.server.origin) && r.method() === 'GET'));
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
