/**
 * Storage drills: the stored data disappears or stops accepting writes while the shop is
 * open, or never works at all (a private window). In each the shop keeps recommending,
 * nothing already shown is lost that storage could have kept, and `status` says what
 * happened. Site data is cleared by the browser itself (DevTools protocol, as "Clear site
 * data" does); a full disk and a private window's `open` that answers late are made by
 * replacing the IndexedDB call that fails (Chromium has no switch for either).
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { serverAndBrowser, spiedPage, storedRecords } from './helpers.js';

/** Errors of the page, less the browser's own favicon request (the page has no icon). */
const pageErrors = (errors) => errors.filter((e) => !/^Failed to load resource: .* 404/.test(e));

/** Opens the package on a page of the demo's origin as `window.shop`; returns its status. */
function openShop(page) {
  return page.evaluate(async () => {
    const { Shopwindow } = await import('/index.js');
    window.storageEvents = [];
    window.shop = await Shopwindow.open({ catalogUrl: '/demo/catalog.safetensors', campaignsUrl: '/demo/campaigns.json' });
    window.shop.addEventListener('storage', (e) => window.storageEvents.push(e.detail));
    return window.shop.status;
  });
}

/** Views the first `n` popular items; returns their ids. */
function browse(page, n, skip = 0) {
  return page.evaluate(
    async ([n, skip]) => {
      const { items } = await window.shop.recommend({ k: n + skip, excludeHistory: 'none' });
      const ids = items.slice(skip, skip + n).map((i) => i.id);
      for (const itemId of ids) await window.shop.track({ type: 'view', itemId });
      return ids;
    },
    [n, skip],
  );
}

/** What the shop answers now: strategy, list length, history size and status. */
function answer(page) {
  return page.evaluate(async () => {
    const { items, strategy } = await window.shop.recommend({ k: 8 });
    const banner = await window.shop.choose('home-banner', { page: 'home' });
    return { strategy, items: items.length, history: window.shop.history.size, banner: banner.variant, status: window.shop.status };
  });
}

describe('storage drills', () => {
  const env = serverAndBrowser();

  test('site data cleared while the shop is open: the tab writes back what it holds, and says so', async () => {
    const context = await env.browser.newContext();
    const { page, errors } = await spiedPage(context);
    await page.goto(`${env.server.origin}/demo/catalog.json`);
    await openShop(page);
    const seen = await browse(page, 5);
    assert.equal((await answer(page)).strategy, 'personalized');
    assert.equal((await storedRecords(page)).length, 5);

    // What "Clear site data" (or a browser that wipes storage on a schedule) does to an open page.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.clearDataForOrigin', { origin: env.server.origin, storageTypes: 'all' });
    await page.waitForFunction(() => window.shop.status.storageNotice !== null, null, { timeout: 10_000 });

    const after = await answer(page);
    assert.equal(after.strategy, 'personalized');
    assert.equal(after.history, 5);
    assert.equal(after.status.storage, 'indexeddb');
    assert.match(after.status.storageNotice, /deleted the stored history while the shop was open .* 5 event\(s\) and the campaign state were written back/);
    assert.ok(await page.evaluate(() => window.storageEvents.some((e) => e.notice)), 'a storage event told the page');
    // On disk again, without waiting for the next write, in their order.
    assert.deepEqual(
      (await storedRecords(page)).map((r) => r.itemId),
      seen,
    );

    // Later events join them, and a reload finds everything.
    const more = await browse(page, 1, 5);
    await page.reload();
    await openShop(page);
    const reloaded = await page.evaluate(() => window.shop.history.events().map((e) => e.itemId));
    assert.deepEqual(reloaded, [...seen, ...more]);
    assert.deepEqual(pageErrors(errors), []);
    await context.close();
  });

  test('quota exhausted mid-session: recommending goes on from memory, the stored part stays, status says why', async () => {
    const context = await env.browser.newContext();
    const { page, errors } = await spiedPage(context);
    await page.goto(`${env.server.origin}/demo/catalog.json`);
    await openShop(page);
    const stored = await browse(page, 3);

    // The disk fills up now. (Chromium checks the quota only on large IndexedDB writes, so
    // a lowered quota, `Storage.overrideQuotaForOrigin`, never refuses a history event; the
    // writes fail here as a full disk makes them fail, with a QuotaExceededError.)
    await page.evaluate(() => {
      const full = () => {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      };
      IDBObjectStore.prototype.add = full;
      IDBObjectStore.prototype.put = full;
    });
    const unstored = await browse(page, 2, 3);

    const after = await answer(page);
    assert.equal(after.strategy, 'personalized');
    assert.equal(after.history, 5, 'every event the shopper made still counts');
    assert.equal(after.status.storage, 'memory');
    assert.match(after.status.storageError, /^saving to IndexedDB failed: out of storage space \(QuotaExceededError/);
    assert.ok(await page.evaluate(() => window.storageEvents.some((e) => e.mode === 'memory')), 'a storage event told the page');
    assert.deepEqual(
      (await storedRecords(page)).map((r) => r.itemId),
      stored,
      'what was written before the quota ran out stays',
    );
    assert.equal(
      await page.evaluate(() => window.shop.history.events().map((e) => e.itemId).join()),
      [...stored, ...unstored].join(),
    );

    // Space again: a new visit reads what storage kept, and stores again.
    await page.reload();
    const status = await openShop(page);
    assert.equal(status.storage, 'indexeddb');
    assert.deepEqual(await page.evaluate(() => window.shop.history.events().map((e) => e.itemId)), stored);
    assert.deepEqual(pageErrors(errors), []);
    await context.close();
  });

  test('a private window whose IndexedDB never answers in time: memory, and the late connection blocks nothing', async () => {
    const context = await env.browser.newContext();
    // `open` succeeds, but 6 s late (after the package's 5 s wait), as in private modes
    // that stall storage.
    await context.addInitScript(() => {
      const open = IDBFactory.prototype.open;
      IDBFactory.prototype.open = function (...args) {
        const request = open.apply(this, args);
        if (args[0] !== 'shopwindow') return request;
        let handler = null;
        request.addEventListener('success', (event) => setTimeout(() => handler?.call(request, event), 6000));
        Object.defineProperty(request, 'onsuccess', { configurable: true, get: () => handler, set: (fn) => (handler = fn) });
        return request;
      };
    });
    const { page, errors } = await spiedPage(context);
    await page.goto(`${env.server.origin}/demo/catalog.json`);
    const status = await openShop(page);
    assert.equal(status.storage, 'memory');
    assert.match(status.storageError, /did not open within 5000 ms/);
    await browse(page, 4);
    const after = await answer(page);
    assert.equal(after.strategy, 'personalized');
    assert.equal(after.history, 4);

    // Once the late connection has arrived, nothing holds the database open: deleting it
    // (what `erase()` and a schema upgrade in another tab need) is not blocked.
    await page.waitForTimeout(2000);
    const outcome = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const request = indexedDB.deleteDatabase('shopwindow');
          request.onblocked = () => resolve('blocked');
          request.onsuccess = () => resolve('deleted');
          request.onerror = () => resolve(`error ${request.error}`);
        }),
    );
    assert.equal(outcome, 'deleted');
    assert.deepEqual(pageErrors(errors), []);
    await context.close();
  });
});
