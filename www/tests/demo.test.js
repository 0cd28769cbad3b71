/**
 * End-to-end tests of the demo storefront and the module in headless Chromium.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { writeBigCatalog } from './bigcatalog.js';
import { OUTPUT, STATIC_FILE, WWW, cards, clickProduct, dataCount, openDemo, spiedPage, serverAndBrowser, storedRecords } from './helpers.js';

const env = serverAndBrowser();

/** Opens the second category's page and views its first three products. */
async function browseOneCategory(page) {
  const category = await page.locator('#categories a').nth(2).textContent();
  await page.locator('#categories a').nth(2).click();
  await page.waitForFunction((c) => document.getElementById('grid-title').textContent === c, category);
  const viewed = [];
  for (const i of [0, 1, 2]) {
    viewed.push(await clickProduct(page, '#grid', i));
  }
  return { category, viewed };
}

describe('demo storefront', () => {
  test('clicking products turns "recommended for you" to related products', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, errors } = await spiedPage(context);
    assert.equal(await openDemo(page, env.server.origin), 'ready');
    assert.equal(await page.getAttribute('#for-you', 'data-strategy'), 'popular');
    const cold = await cards(page, '#for-you');
    assert.equal(cold.length, 8);

    const { category, viewed } = await browseOneCategory(page);
    assert.equal(await page.getAttribute('#for-you', 'data-strategy'), 'personalized');
    const personal = await cards(page, '#for-you');
    const sameCategory = personal.filter((c) => c.category === category).length;
    assert.ok(sameCategory >= 6, `${sameCategory} of ${personal.length} recommendations are in ${category}: ${JSON.stringify(personal)}`);
    assert.notDeepEqual(personal.map((c) => c.id), cold.map((c) => c.id));
    // Nothing already viewed is recommended again.
    assert.ok(personal.every((c) => !viewed.includes(c.id)));

    // The product page shows similar items, of the same kind.
    const similar = await cards(page, '#similar');
    assert.equal(similar.length, 6);
    assert.ok(similar.filter((c) => c.category === category).length >= 4, JSON.stringify(similar));

    // The badge names the backend and the time of the last call.
    const badge = await page.textContent('#engine-badge');
    assert.match(badge, /^(SIMD128|Scalar|WebGPU) · \d+\.\d ms$/);
    assert.match(await page.getAttribute('#engine-badge', 'title'), /in a worker/);

    // Screenshot for people: the product page with its rows.
    await page.screenshot({ path: join(OUTPUT, 'demo.png') });
    await page.click('#data-button');
    await page.waitForSelector('#data-list li');
    await page.screenshot({ path: join(OUTPUT, 'demo-your-data.png') });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('history survives a reload, is shared with a second tab, and erase removes it everywhere', async () => {
    const context = await env.browser.newContext();
    const { page } = await spiedPage(context);
    await openDemo(page, env.server.origin);
    const { viewed } = await browseOneCategory(page);
    await page.click('#add-to-cart');
    await page.waitForFunction(() => document.getElementById('data-count').textContent === '4');

    await page.reload();
    await page.waitForSelector('body[data-state=ready]');
    assert.equal(await dataCount(page), 4);
    assert.equal(await page.getAttribute('#for-you', 'data-strategy'), 'personalized');
    const stored = await storedRecords(page);
    assert.deepEqual(stored.map((r) => r.itemId), [...viewed, viewed[2]]);
    assert.deepEqual(stored.map((r) => r.type), ['view', 'view', 'view', 'cart']);

    // A second tab starts from the same history ...
    const { page: second } = await spiedPage(context);
    await openDemo(second, env.server.origin);
    assert.equal(await dataCount(second), 4);
    // ... and what it records shows up in the first tab without a reload.
    await clickProduct(second, '#grid', 5);
    await page.waitForFunction(() => document.getElementById('data-count').textContent === '5');

    // The panel lists exactly what is stored, newest first.
    await page.click('#data-button');
    await page.waitForSelector('#data-list li');
    const listed = await page.$$eval('#data-list li', (items) => items.map((li) => `${li.dataset.type}:${li.dataset.itemId}`));
    const records = (await storedRecords(page)).map((r) => `${r.type}:${r.itemId}`).reverse();
    assert.deepEqual(listed, records);

    // Export is readable JSON with every event.
    await page.click('#export');
    await page.waitForSelector('#export-view:not([hidden])');
    const exported = JSON.parse(await page.textContent('#export-view'));
    assert.equal(exported.format, 'shopwindow-history');
    assert.equal(exported.events.length, 5);
    assert.ok(exported.events.every((e) => e.title && e.time && e.itemId && e.type));

    // Erase: the database itself is gone, and both tabs show nothing.
    await page.click('#erase');
    await page.waitForFunction(() => document.getElementById('data-count').textContent === '0');
    assert.equal(await page.$$eval('#data-list li', (items) => items.length), 0);
    assert.equal(await storedRecords(page), null);
    await second.waitForFunction(() => document.getElementById('data-count').textContent === '0');
    assert.equal(await second.getAttribute('#for-you', 'data-strategy'), 'popular');
    await page.reload();
    await page.waitForSelector('body[data-state=ready]');
    assert.equal(await dataCount(page), 0);
    await context.close();
  });

  test('no personal data leaves the device: only same-origin static files are requested', async () => {
    const context = await env.browser.newContext();
    const { page, requests } = await spiedPage(context);
    const worker = [];
    context.on('request', (r) => worker.push(r)); // includes the worker's own fetches
    await openDemo(page, env.server.origin);
    const { viewed } = await browseOneCategory(page);
    await page.click('#add-to-cart');
    await page.click('#buy-now');
    await page.click('#banner');
    await page.waitForSelector('#banner[data-clicked]');
    await page.click('#data-button');
    await page.waitForFunction(() => document.getElementById('privacy-report').textContent.includes('epsilon'));
    await page.click('#export');
    await page.reload();
    await page.waitForSelector('body[data-state=ready]');
    await clickProduct(page, '#for-you', 0);

    const all = [...new Set([...requests, ...worker])];
    assert.ok(all.length > 5);
    for (const request of all) {
      const url = new URL(request.url());
      assert.equal(url.origin, env.server.origin, `request to another origin: ${url}`);
      assert.equal(request.method(), 'GET', `${request.method()} ${url}`);
      assert.equal(request.postData(), null);
      assert.equal(url.search, '', `query string on ${url}`);
      assert.match(url.pathname, STATIC_FILE, `not a static asset of the shop: ${url}`);
      const headers = JSON.stringify(await request.allHeaders());
      for (const id of viewed) {
        assert.ok(!url.href.includes(id) && !headers.includes(id), `${id} leaked in ${url} ${headers}`);
      }
    }
    // The reload took the catalog from the Cache API: it was downloaded once. The page's
    // preload of it (demo/index.html) asks again on the reload, and is answered 304.
    const catalogFetches = all.filter((r) => r.url().endsWith('/catalog.safetensors'));
    const bodies = [];
    for (const request of catalogFetches) {
      const { responseBodySize } = await request.sizes();
      if (responseBodySize > 0) bodies.push(request);
      else assert.ok(await request.headerValue('if-none-match'), 'a second request for the catalog was not a revalidation');
    }
    assert.equal(bodies.length, 1, `the catalog was downloaded ${bodies.length} times`);
    assert.ok(catalogFetches.length <= 2);
    await context.close();
  });

  test('runs under the strict CSP without a single violation', async () => {
    const context = await env.browser.newContext();
    const { page, errors } = await spiedPage(context);
    const response = await page.goto(`${env.server.origin}/demo/`);
    assert.equal(
      response.headers()['content-security-policy'],
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'",
    );
    await page.waitForSelector('body[data-state=ready]');
    assert.match(await page.getAttribute('meta[http-equiv=Content-Security-Policy]', 'content'), /wasm-unsafe-eval/);
    await browseOneCategory(page);
    await page.click('#data-button');
    await page.click('#export');
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(errors, []);

    // The listener works: an inline script is blocked and reported.
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.head.append(script);
    });
    await page.waitForFunction(() => window.__cspViolations.length > 0);
    assert.equal(await page.evaluate(() => window.__inlineRan), undefined);
    await context.close();
  });

  test('scoring runs in the worker, and on the page with worker: false', async () => {
    const context = await env.browser.newContext();
    const { page } = await spiedPage(context);
    await openDemo(page, env.server.origin);
    // In worker mode the page itself never fetches the wasm module: the worker does.
    const pageResources = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    assert.ok(!pageResources.some((n) => n.endsWith('.wasm')), pageResources.join('\n'));
    assert.match(await page.getAttribute('#engine-badge', 'title'), /in a worker/);

    const { page: inline } = await spiedPage(context);
    assert.equal(await openDemo(inline, env.server.origin, '?worker=0'), 'ready');
    assert.match(await inline.getAttribute('#engine-badge', 'title'), /main thread/);
    const { category } = await browseOneCategory(inline);
    const personal = await cards(inline, '#for-you');
    assert.ok(personal.filter((c) => c.category === category).length >= 6);
    await context.close();
  });

  test('the page never freezes: a large catalog loads and scores in the worker', async () => {
    // 400,000 items x 64 dims (int8, 31 MB), without a stored YᵀY, so loading also computes it.
    const file = join(WWW, 'demo/test-large.safetensors');
    writeBigCatalog(file, 400_000, 64);
    const context = await env.browser.newContext();
    const { page } = await spiedPage(context);
    await page.goto(`${env.server.origin}/demo/catalog.json`);
    try {
      const run = (worker) =>
        page.evaluate(async (worker) => {
          const { Shopwindow } = await import('/index.js');
          // The longest the page's event loop went without running a task.
          let longest = 0;
          let last = performance.now();
          const timer = setInterval(() => {
            const now = performance.now();
            longest = Math.max(longest, now - last);
            last = now;
          }, 5);
          const started = performance.now();
          const shop = await Shopwindow.open({ catalogUrl: '/demo/test-large.safetensors', worker, cache: false, storageName: `large-${worker}` });
          const loadMs = performance.now() - started;
          const times = [];
          for (let i = 0; i < 5; i++) {
            await shop.track({ type: 'view', itemId: `B${i * 7919}` });
            times.push((await shop.recommend({ k: 10 })).computeMs);
          }
          clearInterval(timer);
          const items = shop.catalog.items;
          shop.close();
          return { items, loadMs, longest, recommendMs: Math.min(...times) };
        }, worker);
      const inWorker = await run(true);
      const onPage = await run(false);
      console.log(`large catalog: worker ${JSON.stringify(inWorker)}; page ${JSON.stringify(onPage)}`);
      assert.equal(inWorker.items, 400_000);
      assert.ok(inWorker.longest < 250, `the page stalled ${inWorker.longest.toFixed(0)} ms with scoring in the worker`);
    } finally {
      rmSync(file, { force: true });
      await context.close();
    }
  });

  test('the backend is explicit: forced scalar, and an unavailable one is reported, not hidden', async () => {
    const context = await env.browser.newContext();
    const { page } = await spiedPage(context);
    assert.equal(await openDemo(page, env.server.origin, '?backend=scalar'), 'ready');
    await clickProduct(page, '#grid', 0);
    assert.match(await page.textContent('#engine-badge'), /^Scalar · /);
    // WebGPU: used where this build and device have it; otherwise the page says why.
    assert.equal(await openDemo(page, env.server.origin, '?backend=webgpu'), 'ready');
    await clickProduct(page, '#grid', 1);
    const badge = await page.textContent('#engine-badge');
    if (!badge.startsWith('WebGPU')) assert.match(await page.textContent('#notice'), /Backend webgpu unavailable: .+/);
    await context.close();
  });

  // Missing entirely, blocked (open throws, as some privacy modes do), or failing on write
  // (quota): the shop keeps working with the history in memory, and says so.
  const storageFailures = {
    'IndexedDB missing': () => Object.defineProperty(window, 'indexedDB', { get: () => undefined, configurable: true }),
    'IndexedDB blocked': () => {
      IDBFactory.prototype.open = () => {
        throw new DOMException('The user denied permission to access the database.', 'SecurityError');
      };
    },
    'IndexedDB out of quota': () => {
      IDBObjectStore.prototype.add = () => {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      };
    },
  };
  for (const [name, breakStorage] of Object.entries(storageFailures)) {
    test(`keeps working in memory: ${name}`, async () => {
      const context = await env.browser.newContext();
      await context.addInitScript(breakStorage);
      const { page, errors } = await spiedPage(context);
      assert.equal(await openDemo(page, env.server.origin), 'ready');
      const { category } = await browseOneCategory(page);
      assert.match(await page.textContent('#notice'), /kept in this tab only/);
      const personal = await cards(page, '#for-you');
      assert.ok(personal.filter((c) => c.category === category).length >= 6);
      await page.click('#data-button');
      await page.waitForFunction(() => document.querySelectorAll('#data-list li').length === 3);
      assert.match(await page.textContent('#storage-line'), /memory only/);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }

  test('a corrupted stored record is skipped and reported', async () => {
    const context = await env.browser.newContext();
    const { page, errors } = await spiedPage(context);
    await openDemo(page, env.server.origin);
    await browseOneCategory(page);
    // Damage the log behind the library's back, as another script or a disk error could.
    await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const open = indexedDB.open('shopwindow');
          open.onsuccess = () => {
            const tx = open.result.transaction('events', 'readwrite');
            tx.objectStore('events').add({ itemId: 42, type: 'teleport', timestamp: 'yesterday' });
            tx.objectStore('events').add('garbage');
            tx.oncomplete = () => {
              open.result.close();
              resolve();
            };
            tx.onerror = () => reject(tx.error);
          };
        }),
    );
    await page.reload();
    assert.equal(await page.waitForSelector('body[data-state=ready]').then(() => 'ready'), 'ready');
    assert.match(await page.textContent('#notice'), /2 stored record\(s\) could not be read/);
    assert.equal(await dataCount(page), 3);
    assert.equal(await page.getAttribute('#for-you', 'data-strategy'), 'personalized');
    await clickProduct(page, '#grid', 3);
    assert.equal(await dataCount(page), 4);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('an older database layout is migrated with its events', async () => {
    const context = await env.browser.newContext();
    const { page } = await spiedPage(context);
    // Version 1 of the schema: just the event store.
    await page.goto(`${env.server.origin}/demo/catalog.json`);
    await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const open = indexedDB.open('shopwindow', 1);
          open.onupgradeneeded = () => open.result.createObjectStore('events', { autoIncrement: true });
          open.onsuccess = () => {
            const tx = open.result.transaction('events', 'readwrite');
            tx.objectStore('events').add({ itemId: 'KIT-0001', type: 'view', timestamp: Date.now() - 60_000 });
            tx.objectStore('events').add({ itemId: 'KIT-0002', type: 'purchase', timestamp: Date.now() });
            tx.oncomplete = () => {
              open.result.close();
              resolve();
            };
            tx.onerror = () => reject(tx.error);
          };
          open.onerror = () => reject(open.error);
        }),
    );
    await openDemo(page, env.server.origin);
    assert.equal(await dataCount(page), 2);
    const layout = await page.evaluate(async () => {
      const version = (await indexedDB.databases()).find((d) => d.name === 'shopwindow').version;
      const stores = await new Promise((resolve) => {
        const open = indexedDB.open('shopwindow');
        open.onsuccess = () => {
          resolve([...open.result.objectStoreNames]);
          open.result.close();
        };
      });
      return { version, stores };
    });
    // v1 → v2 (meta) → v3 (campaign policy state), the events kept.
    assert.equal(layout.version, 3);
    assert.deepEqual(layout.stores.sort(), ['campaigns', 'events', 'meta']);
    await context.close();
  });

  test('the catalog is cached: reused by version, revalidated by ETag otherwise', async () => {
    const context = await env.browser.newContext();
    const { page, requests } = await spiedPage(context);
    await page.goto(`${env.server.origin}/demo/catalog.json`);
    const sources = await page.evaluate(async () => {
      const { Shopwindow } = await import('/index.js');
      const open = async (options) => {
        const shop = await Shopwindow.open({ catalogUrl: '/demo/catalog.safetensors', worker: false, ...options });
        shop.close();
        return shop.status.catalog.source;
      };
      return [await open({}), await open({}), await open({ version: 'v1' }), await open({ version: 'v1' })];
    });
    assert.deepEqual(sources, ['network', 'revalidated', 'network', 'cache']);
    const fetches = requests.filter((r) => r.url().endsWith('/catalog.safetensors'));
    assert.equal(fetches.length, 3); // the last open made no request at all
    assert.ok(fetches[1].headers()['if-none-match']);
    await context.close();
  });

  test('the history is capped: the oldest events are pruned', async () => {
    const context = await env.browser.newContext();
    const { page } = await spiedPage(context);
    await page.goto(`${env.server.origin}/demo/catalog.json`);
    const result = await page.evaluate(async () => {
      const { HistoryStore } = await import('/storage/history.js');
      const store = await HistoryStore.open({ name: 'cap-test', cap: 5 });
      for (let i = 0; i < 8; i++) await store.add({ itemId: `item-${i}`, type: 'view', timestamp: 1000 + i });
      store.close();
      const reopened = await HistoryStore.open({ name: 'cap-test', cap: 5 });
      const ids = reopened.events().map((e) => e.itemId);
      reopened.close();
      const pruned = await new Promise((resolve) => {
        const open = indexedDB.open('cap-test');
        open.onsuccess = () => {
          const request = open.result.transaction('meta').objectStore('meta').get('pruned');
          request.onsuccess = () => {
            open.result.close();
            resolve(request.result);
          };
        };
      });
      return { ids, pruned };
    });
    assert.deepEqual(result.ids, ['item-3', 'item-4', 'item-5', 'item-6', 'item-7']);
    assert.equal(result.pruned, 3);
    await context.close();
  });

  test('an integrity mismatch is a clear error and loads nothing; the right digest loads', async () => {
    const context = await env.browser.newContext();
    const { page } = await spiedPage(context);
    const wrong = `sha384-${createHash('sha384').update('not the catalog').digest('base64')}`;
    assert.equal(await openDemo(page, env.server.origin, `?integrity=${encodeURIComponent(wrong)}`), 'error');
    assert.match(await page.textContent('#notice'), /failed its integrity check/);
    assert.equal(await page.$$eval('#grid .card', (c) => c.length), 0);
    // Nothing was cached from the failed load.
    assert.equal(await page.evaluate(async () => (await (await caches.open('shopwindow-catalogs')).keys()).length), 0);

    const bytes = readFileSync(join(WWW, 'demo/catalog.safetensors'));
    const right = `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
    assert.equal(await openDemo(page, env.server.origin, `?integrity=${encodeURIComponent(right)}`), 'ready');
    await context.close();
  });
});

describe('campaign banner', () => {
  /** The policy state as the data panel lists it: {variant: {shows, rewards}}. */
  async function campaignState(page) {
    const renders = await rendersOf(page);
    await page.click('#data-button');
    await freshRender(page, renders);
    const state = await page.$$eval('#campaign-state li[data-variant]', (nodes) =>
      Object.fromEntries(nodes.map((n) => [n.dataset.variant, { shows: Number(n.dataset.shows), rewards: Number(n.dataset.rewards) }])),
    );
    await page.click('#close-panel');
    return state;
  }

  /** How often the data panel's campaign list has been rendered. */
  function rendersOf(page) {
    return page.$eval('#campaign-state', (list) => Number(list.dataset.renders ?? 0));
  }

  /** Waits until the campaign list is rendered again after `before` renders. */
  function freshRender(page, before) {
    return page.waitForFunction((n) => Number(document.getElementById('campaign-state').dataset.renders ?? 0) > n, before);
  }

  /** The policy state straight from IndexedDB (not through the library). */
  function storedPolicy(page) {
    return page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const open = indexedDB.open('shopwindow');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const request = open.result.transaction('campaigns').objectStore('campaigns').get('policy');
            request.onsuccess = () => {
              open.result.close();
              resolve(request.result ?? null);
            };
            request.onerror = () => reject(request.error);
          };
        }),
    );
  }

  test('the banner is chosen on the device, a click is a reward, and the state survives a reload', async () => {
    const context = await env.browser.newContext();
    const { page, errors } = await spiedPage(context);
    assert.equal(await openDemo(page, env.server.origin), 'ready');
    const banner = page.locator('#banner');
    await banner.waitFor({ state: 'visible' });
    const labels = JSON.parse(readFileSync(join(WWW, 'demo/campaigns.json'), 'utf8')).campaigns[0].variants;
    const variant = await banner.getAttribute('data-variant');
    assert.equal(await banner.textContent(), labels.find((v) => v.id === variant).label);
    const propensity = Number(await banner.getAttribute('data-propensity'));
    assert.ok(propensity >= 0.1 / 3 - 1e-3 && propensity <= 1, `propensity ${propensity}`);

    let state = await campaignState(page);
    assert.equal(Object.keys(state).length, 3);
    assert.equal(state[variant].shows, 1);
    assert.equal(state[variant].rewards, 0);

    await banner.click();
    await page.waitForSelector('#banner[data-clicked]');
    await page.waitForFunction(() => document.getElementById('notice').textContent.includes('learned from your click'));
    state = await campaignState(page);
    assert.equal(state[variant].rewards, 1);
    // A second click on the same decision is not a second reward.
    await banner.click();
    assert.equal((await campaignState(page))[variant].rewards, 1);
    const stored = JSON.parse(await storedPolicy(page));
    assert.equal(stored.campaigns[0].id, 'home-banner');

    await page.reload();
    await page.waitForSelector('body[data-state=ready]');
    const after = await campaignState(page);
    // The click survived the reload, and the reload's own banner is one more show.
    assert.equal(after[variant].rewards, 1);
    assert.equal(Object.values(after).reduce((sum, v) => sum + v.shows, 0), 2);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the data panel shows the privacy report it would make, spending the budget once a day', async () => {
    const context = await env.browser.newContext();
    const { page } = await spiedPage(context);
    await openDemo(page, env.server.origin);
    await page.click('#data-button');
    await page.waitForFunction(() => document.getElementById('privacy-report').textContent.includes('epsilon'));
    const report = JSON.parse(await page.textContent('#privacy-report'));
    assert.equal(report.campaign, 'home-banner');
    assert.equal(report.epsilon, 1);
    assert.equal(typeof report.clicked, 'boolean');
    assert.match(await page.textContent('#privacy-line'), /Privacy budget used: 1 of 4, never renewed/);
    // Opening the panel again the same day shows the same report at no further cost.
    await page.click('#close-panel');
    await page.click('#data-button');
    await page.waitForFunction(() => /used: 1 of 4/.test(document.getElementById('privacy-line').textContent));
    assert.deepEqual(JSON.parse(await page.textContent('#privacy-report')), report);
    await context.close();
  });

  test('tabs of the shop take turns: no show, reward or spent privacy budget is lost', async () => {
    const context = await env.browser.newContext();
    const tabs = [];
    for (let i = 0; i < 2; i++) {
      const page = await context.newPage();
      // Uncaught errors only: the browser's own favicon request 404s on this bare document.
      const errors = [];
      page.on('pageerror', (error) => errors.push(error.message));
      // A same-origin document that runs nothing of its own: the package is driven directly.
      await page.goto(`${env.server.origin}/package.json`);
      tabs.push({ page, errors });
    }
    const open = (page) =>
      page.evaluate(async () => {
        const { Shopwindow } = await import('/index.js');
        const campaigns = {
          version: 1,
          privacy: { epsilon: 1, lifetimeBudget: 1, epochHours: 24 },
          campaigns: ['slot', 'other'].map((id) => ({ id, variants: [{ id: 'a' }, { id: 'b' }], policy: { kind: 'thompson', draws: 64 } })),
        };
        window.shop = await Shopwindow.open({ catalogUrl: '/demo/catalog.safetensors', storageName: 'tabs', worker: false, campaigns });
        return window.shop.status.storage;
      });
    assert.deepEqual(await Promise.all(tabs.map(({ page }) => open(page))), ['indexeddb', 'indexeddb']);

    // Both tabs decide and learn at the same time, each from the state it opened with.
    const decide = (page) =>
      page.evaluate(async () => {
        for (let i = 0; i < 10; i++) {
          const { variant } = await window.shop.choose('slot');
          await window.shop.reward('slot', variant, 1);
          await window.shop.choose('other');
        }
      });
    await Promise.all(tabs.map(({ page }) => decide(page)));
    const totals = (page) =>
      page.evaluate(async () => {
        const { campaigns, privacy } = await window.shop.campaignState();
        const sum = (id, field) => campaigns.find((c) => c.id === id).variants.reduce((s, v) => s + v[field], 0);
        return { slotShows: sum('slot', 'shows'), slotRewards: sum('slot', 'rewards'), otherShows: sum('other', 'shows'), spent: privacy.spent };
      });
    const expected = { slotShows: 20, slotRewards: 20, otherShows: 20, spent: 0 };
    assert.deepEqual(await totals(tabs[0].page), expected);
    assert.deepEqual(await totals(tabs[1].page), expected);

    // The budget (one report) spent in one tab is spent for the other.
    const report = (page, id) =>
      page.evaluate(async (id) => {
        try {
          return { report: await window.shop.privacyReport(id) };
        } catch (error) {
          return { error: error.message };
        }
      }, id);
    assert.equal((await report(tabs[0].page, 'slot')).report.campaign, 'slot');
    assert.match((await report(tabs[1].page, 'other')).error, /lifetime privacy budget is spent/);
    assert.equal((await totals(tabs[1].page)).spent, 1);

    // Erasing in one tab resets the policies the other tab decides with.
    await tabs[1].page.evaluate(() => window.shop.history.erase());
    assert.deepEqual(await totals(tabs[0].page), { slotShows: 0, slotRewards: 0, otherShows: 0, spent: 0 });
    for (const { errors } of tabs) assert.deepEqual(errors, []);
    await context.close();
  });

  test('choose is one engine call: the worker fills in the segment and the user vector', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // A same-origin document that runs nothing of its own: the package is driven directly.
    await page.goto(`${env.server.origin}/package.json`);
    const result = await page.evaluate(async () => {
      // Every message the page posts to the scoring worker, by method.
      const sent = [];
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (message, ...rest) {
        sent.push(message?.method);
        return post.call(this, message, ...rest);
      };
      const { Shopwindow } = await import('/index.js');
      const open = (campaigns) =>
        Shopwindow.open({ catalogUrl: '/demo/catalog.safetensors', storageName: 'one-call', worker: true, campaigns });
      // The shopper browses one category; segment() says which segment that makes them.
      const first = await open();
      const category = first.catalog.categories[0];
      for (const item of (await first.popular({ k: 3, category })).items) await first.track({ type: 'view', itemId: item.id });
      const { segment } = await first.segment();
      first.close();
      // Opposite sharp priors: the default favours "a", the shopper's segment "b".
      const priors = [
        { variant: 'a', alpha: 1000, beta: 1 },
        { variant: 'b', alpha: 1, beta: 1000 },
        { segment: segment.id, variant: 'a', alpha: 1, beta: 1000 },
        { segment: segment.id, variant: 'b', alpha: 1000, beta: 1 },
      ];
      const shop = await open({
        version: 1,
        campaigns: [
          { id: 'slot', variants: [{ id: 'a' }, { id: 'b' }], policy: { kind: 'thompson', draws: 256 }, floor: 0.01, priors },
          { id: 'offer', variants: [{ id: 'x' }, { id: 'y' }], policy: { kind: 'linUcb', alpha: 0.3 }, context: { userDims: 4, pages: ['home'] } },
        ],
      });
      const worker = shop.status.worker;
      sent.length = 0;
      const own = await shop.choose('slot');
      const offer = await shop.choose('offer', { page: 'home' });
      const calls = [...sent];
      let typo;
      try {
        await shop.choose('slot', { pgae: 'home' });
      } catch (error) {
        typo = `${error.name}: ${error.message}`;
      }
      const afterTypo = sent.length;
      shop.close();
      return { worker, calls, own, offer, typo, afterTypo };
    });
    assert.equal(result.worker, true);
    // One message per decision: no separate segment() or user-vector round trip.
    assert.deepEqual(result.calls, ['choose', 'choose']);
    // The engine filled in the shopper's segment: its priors make "b" near certain.
    assert.ok(result.own.probabilities[1] > 0.98, JSON.stringify(result.own));
    assert.equal(result.offer.policy, 'linUcb');
    // An unknown context field fails on the page, before any message, with the engine's names.
    assert.equal(result.typo, 'TypeError: choose: unknown context field "pgae"');
    assert.equal(result.afterTypo, 2);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('erasing the data resets what the banner learned', async () => {
    const context = await env.browser.newContext();
    const { page } = await spiedPage(context);
    await openDemo(page, env.server.origin);
    await page.click('#banner');
    await page.waitForSelector('#banner[data-clicked]');
    await page.click('#data-button');
    await freshRender(page, 0);
    const renders = await rendersOf(page);
    await page.click('#erase');
    await page.waitForFunction(() => document.getElementById('notice').textContent.includes('erased'));
    await freshRender(page, renders);
    const rewards = await page.$$eval('#campaign-state li[data-variant]', (nodes) => nodes.map((n) => Number(n.dataset.rewards)));
    assert.deepEqual(rewards, [0, 0, 0]);
    await context.close();
  });
});
