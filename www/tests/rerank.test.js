/**
 * The demo's category pages personalized with `rerank`: a shopper without history sees the
 * store's order (popularity in the category); once there is history the same items come in
 * the shopper's order, the one `shop.rerank` gives for that list. Computed on the device:
 * the request spy sees nothing but the package's own static files.
 */

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { OUTPUT, assertNothingLeftTheDevice, cards, clickProduct, openDemo, serverAndBrowser, spiedPage } from './helpers.js';

const env = serverAndBrowser();

async function openCategory(page, category, order) {
  await page.locator('#categories a', { hasText: category }).first().click();
  await page.waitForFunction(
    ([c, o]) => document.getElementById('grid-title').textContent === c && document.getElementById('grid').dataset.order === o,
    [category, order],
  );
  return (await cards(page, '#grid')).map((c) => c.id);
}

describe('rerank on category pages', () => {
  for (const worker of ['1', '0']) {
    test(`the category grid follows the shopper, the store's order without history (worker=${worker})`, async () => {
      const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
      const { page, requests, errors } = await spiedPage(context);
      assert.equal(await openDemo(page, env.server.origin, `?worker=${worker}`), 'ready');

      // No history: the store's order, and no "for you" note.
      const categories = await page.$$eval('#categories a', (a) => a.map((x) => x.textContent).filter((c) => c !== 'All'));
      const [category, other] = categories;
      const store = await openCategory(page, category, 'store');
      assert.ok(store.length > 2);
      assert.ok(await page.locator('#grid-note').isHidden());

      // History in another category, with weight: the same items, in the shopper's order.
      await openCategory(page, other, 'store');
      await clickProduct(page, '#grid', 3);
      await page.click('#add-to-cart');
      await page.waitForFunction(() => Number(document.getElementById('data-count').textContent) >= 2);
      const personal = await openCategory(page, category, 'personalized');
      assert.ok(await page.locator('#grid-note').isVisible());
      assert.deepEqual([...personal].sort(), [...store].sort());
      assert.notDeepEqual(personal, store);

      // It is what the API gives for the store's list and this history; its options are strict.
      const direct = await page.evaluate(async (ids) => {
        const { Shopwindow } = await import('/index.js');
        const shop = await Shopwindow.open({ catalogUrl: '/demo/catalog.safetensors', worker: false });
        const reranked = await shop.rerank(ids, { strength: 1 });
        const gapped = await shop.rerank(['no-such-item', ...ids], { strength: 0 });
        const failures = [];
        for (const options of [{ strength: 2 }, { strength: -0.5 }, { strenght: 1 }]) {
          try {
            await shop.rerank(ids, options);
            failures.push(null);
          } catch (e) {
            failures.push(e.message);
          }
        }
        shop.close();
        return {
          ids: reranked.items.map((i) => i.id),
          scored: reranked.items.every((i) => typeof i.score === 'number'),
          strategy: reranked.strategy,
          gapped: gapped.items.map((i) => i.id),
          unknown: gapped.unknownItems,
          failures,
        };
      }, store);
      assert.deepEqual(direct.ids, personal);
      assert.ok(direct.scored);
      assert.equal(direct.strategy, 'personalized');
      assert.deepEqual(direct.gapped, ['no-such-item', ...store]);
      assert.deepEqual(direct.unknown, ['no-such-item']);
      assert.match(direct.failures[0], /strength/);
      assert.match(direct.failures[1], /strength/);
      assert.match(direct.failures[2], /strenght/);

      // Erasing the history brings the store's order back.
      await page.evaluate(async () => {
        const { Shopwindow } = await import('/index.js');
        const shop = await Shopwindow.open({ catalogUrl: '/demo/catalog.safetensors', worker: false });
        await shop.history.erase();
        shop.close();
      });
      await page.goto(`${env.server.origin}/demo/?worker=${worker}#/`);
      await page.waitForSelector('body[data-state="ready"]');
      assert.deepEqual(await openCategory(page, category, 'store'), store);

      await page.screenshot({ path: join(OUTPUT, `rerank-worker-${worker}.png`), fullPage: true });
      await assertNothingLeftTheDevice({ page, requests, errors }, env.server.origin);
      await context.close();
    });
  }
});
