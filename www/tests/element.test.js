/**
 * `<shopwindow-recs>` (www/element.js) on the demo's drop-in page (www/demo/dropin.html), a
 * page made only of the elements and static HTML: rows in worker mode with no script of the
 * page's own, the store's card template, keyboard and screen-reader access (axe-core), no
 * layout shift while the engine loads, view and click tracking into the on-device history,
 * the strict CSP, the request spy, failure, and the element's size.
 */

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { OUTPUT, STATIC_FILE, WWW, serverAndBrowser, spiedPage, storedRecords } from './helpers.js';

const env = serverAndBrowser();

/** Opens the drop-in page and waits until no row is loading any more. */
async function openDropin(page) {
  await page.goto(`${env.server.origin}/demo/dropin.html`);
  await page.waitForFunction(
    () => [...document.querySelectorAll('shopwindow-recs')].every((e) => e.dataset.state && e.dataset.state !== 'loading'),
    null,
    { timeout: 60_000 },
  );
}

/** testid → {state, k, cards (ids), busy, hidden} of every row. */
function rows(page) {
  return page.$$eval('shopwindow-recs', (elements) =>
    Object.fromEntries(
      elements.map((e) => [
        e.dataset.testid,
        {
          state: e.dataset.state,
          k: Number(e.getAttribute('k')),
          cards: [...e.querySelectorAll('li[data-item-id]')].map((li) => li.dataset.itemId),
          busy: e.getAttribute('aria-busy'),
          hidden: e.hidden,
        },
      ]),
    ),
  );
}

/** Console warnings of a page, recorded from now on. */
function warnings(page) {
  const list = [];
  page.on('console', (m) => {
    if (m.type() === 'warning') list.push(m.text());
  });
  return list;
}

describe('<shopwindow-recs> drop-in element', () => {
  test('the drop-in page recommends in worker mode with no page script: every placement renders k cards, nothing personal leaves, no CSP violation', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const all = [];
    context.on('request', (r) => all.push(r)); // the worker's requests too
    const { page, errors } = await spiedPage(context);
    const warned = warnings(page);
    await openDropin(page);

    // The page's only script is the element's module; no inline script, no handler attribute.
    const scripts = await page.$$eval('script', (s) => s.map((x) => ({ src: x.getAttribute('src'), text: x.textContent.trim() })));
    assert.deepEqual(scripts, [{ src: '../element.js', text: '' }]);
    const html = readFileSync(join(WWW, 'demo', 'dropin.html'), 'utf8');
    assert.doesNotMatch(html, /\son[a-z]+=|style=|<style/i);

    const found = await rows(page);
    assert.deepEqual(Object.keys(found), ['for-you', 'similar', 'together', 'trending', 'trending-all']);
    for (const [name, row] of Object.entries(found)) {
      assert.equal(row.state, 'ready', name);
      assert.equal(row.busy, null, `${name}: aria-busy stays after loading`);
      assert.equal(row.cards.length, row.k, `${name}: ${row.cards.length} cards for k=${row.k}`);
      assert.equal(new Set(row.cards).size, row.k, `${name}: repeated cards`);
    }
    assert.ok(!found.similar.cards.includes('ELE-0188'));
    assert.ok(!found.together.cards.some((id) => id === 'ELE-0188' || id === 'DEC-0035'));
    // "Trending in Home Decor" is in that category only (the catalog's ids carry it).
    assert.ok(found.trending.cards.every((id) => id.startsWith('DEC-')), found.trending.cards.join(' '));

    // All rows share one shop, and it scores in a worker.
    const shared = await page.evaluate(async () => {
      const elements = [...document.querySelectorAll('shopwindow-recs')];
      const shops = await Promise.all(elements.map((e) => e.shop));
      return { same: shops.every((s) => s === shops[0]), worker: shops[0].status.worker };
    });
    assert.deepEqual(shared, { same: true, worker: true });
    // One catalog download and one worker for five rows.
    assert.equal(all.filter((r) => r.url().endsWith('/catalog.safetensors')).length, 1);
    assert.equal(all.filter((r) => r.url().endsWith('/worker.js')).length, 1);

    // The request spy: same-origin GETs of static files, nothing with a query or a body.
    const stored = (await storedRecords(page)).map((r) => r.itemId);
    assert.ok(stored.length > 0, 'the similar row recorded the page product view');
    for (const request of all) {
      const url = new URL(request.url());
      assert.equal(url.origin, env.server.origin, `request to another origin: ${url}`);
      assert.equal(request.method(), 'GET', `${request.method()} ${url}`);
      assert.equal(request.postData(), null);
      assert.equal(url.search, '', `query string on ${url}`);
      assert.match(url.pathname, STATIC_FILE, `not a static asset of the shop: ${url}`);
    }
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(errors, []);
    assert.deepEqual(warned, []);
    await page.screenshot({ path: join(OUTPUT, 'dropin.png'), fullPage: true });
    await context.close();
  });

  test("the store's card template is used, with its fields filled; the default card otherwise", async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page } = await spiedPage(context);
    await openDropin(page);
    const custom = await page.$$eval('[data-testid=trending] li[data-item-id]', (lis) =>
      lis.map((li) => ({
        id: li.dataset.itemId,
        cardClass: li.firstElementChild.className,
        href: li.querySelector('a').getAttribute('href'),
        image: li.querySelector('img.thumb').src,
        category: li.querySelector('.card-category').textContent,
        title: li.querySelector('.card-title').textContent,
        price: li.querySelector('.price').textContent,
      })),
    );
    const items = await page.evaluate(async (ids) => (await document.querySelector('shopwindow-recs').shop).items(ids), custom.map((c) => c.id));
    custom.forEach((card, i) => {
      const item = items[i];
      assert.equal(card.cardClass, 'card');
      assert.equal(card.href, `./#/item/${encodeURIComponent(item.id)}`);
      assert.equal(card.image, new URL(item.imageUrl, `${env.server.origin}/demo/`).href);
      assert.equal(card.category, 'Home Decor');
      assert.equal(card.title, item.title);
      assert.equal(card.price, new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' }).format(item.price));
    });
    // The other rows use the default card, not the store's template.
    assert.equal(await page.locator('[data-testid=for-you] .card').count(), 0);
    assert.equal(await page.locator('[data-testid=for-you] li a.sw-link img.sw-image').count(), 8);
    await context.close();
  });

  test('keyboard and screen readers: labelled regions, real lists, Tab reaches every card and leaves the rows', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page } = await spiedPage(context);
    await openDropin(page);
    const regions = await page.$$eval('shopwindow-recs', (elements) =>
      elements.map((e) => ({
        role: e.getAttribute('role'),
        name: e.getAttribute('aria-label') ?? document.getElementById(e.getAttribute('aria-labelledby'))?.textContent,
        list: e.querySelector(':scope > ul')?.getAttribute('role'),
        items: e.querySelectorAll(':scope > ul > li').length,
      })),
    );
    assert.deepEqual(
      regions.map((r) => r.name),
      [
        'Recommended for you',
        'More like the Ochre Rustic Record Player',
        'Often bought with the record player and the photo frame',
        'Trending in Home Decor',
        'Trending across the shop',
      ],
    );
    assert.ok(regions.every((r) => r.role === 'region' && r.list === 'list' && r.items > 0));

    // Tab from the top of the page: through the header links, then every card link in page
    // order, then out to the footer.
    const expected = await page.$$eval('shopwindow-recs li a', (links) => links.map((a) => a.getAttribute('href')));
    const reached = [];
    for (let i = 0; i < expected.length + 10; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => ({
        href: document.activeElement?.getAttribute('href'),
        inRow: Boolean(document.activeElement?.closest('shopwindow-recs li')),
        footer: Boolean(document.activeElement?.closest('footer')),
      }));
      if (focused.inRow) reached.push(focused.href);
      if (focused.footer) break;
    }
    assert.deepEqual(reached, expected);
    assert.ok(await page.evaluate(() => Boolean(document.activeElement?.closest('footer'))), 'Tab never left the rows');
    await context.close();
  });

  test('axe-core finds no serious or critical accessibility violation on the drop-in page', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    // axe is served from the page's own origin, so the page's CSP (script-src 'self') admits
    // it as it stands: no bypassCSP, no inline script.
    const axe = readFileSync(join(WWW, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    await context.route('**/__axe/axe.min.js', (route) => route.fulfill({ body: axe, contentType: 'text/javascript' }));
    const { page, errors } = await spiedPage(context);
    await openDropin(page);
    await page.addScriptTag({ url: '/__axe/axe.min.js' });
    const violations = await page.evaluate(async () =>
      (await window.axe.run(document)).violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })),
    );
    writeFileSync(join(OUTPUT, 'axe-dropin.json'), JSON.stringify(violations, null, 2));
    for (const v of violations) console.log(`axe: ${v.impact} ${v.id} (${v.help}) on ${v.nodes.length} node(s)`);
    const severe = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(severe, []);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('no layout shift: the rows keep their size from the placeholders to the cards', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(() => {
      window.__shifts = [];
      new PerformanceObserver((list) => window.__shifts.push(...list.getEntries().map((e) => e.value))).observe({ type: 'layout-shift', buffered: true });
    });
    // Hold the catalog until the placeholders are measured.
    let release;
    const held = new Promise((resolve) => (release = resolve));
    await context.route('**/demo/catalog.safetensors', async (route) => {
      await held;
      await route.continue();
    });
    const { page, errors } = await spiedPage(context);
    await page.goto(`${env.server.origin}/demo/dropin.html`);
    await page.waitForFunction(() => document.querySelectorAll('shopwindow-recs[aria-busy=true]').length === 5);
    const box = () =>
      page.$$eval('shopwindow-recs', (elements) => elements.map((e) => ({ name: e.dataset.testid, ...e.getBoundingClientRect().toJSON() })));
    const before = await box();
    const placeholders = await page.$$eval('shopwindow-recs', (elements) =>
      elements.map((e) => ({
        count: e.querySelectorAll('li.sw-placeholder[aria-hidden=true]').length,
        k: Number(e.getAttribute('k')),
        focusable: e.querySelectorAll('a[href]').length,
      })),
    );
    assert.ok(placeholders.every((p) => p.count === p.k && p.focusable === 0), JSON.stringify(placeholders));
    release();
    await page.waitForFunction(() => [...document.querySelectorAll('shopwindow-recs')].every((e) => e.dataset.state === 'ready'), null, { timeout: 60_000 });
    await page.evaluate(() => Promise.all([...document.images].map((i) => i.decode().catch(() => {}))));
    const after = await box();
    assert.deepEqual(after, before);
    // Chromium's own account: no layout shift at all (the first paint waits for the element's
    // module through blocking="render", so the rows never render without their space).
    assert.deepEqual(await page.evaluate(() => window.__shifts), []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a visible product row records the view of its product once; a card click records a view and follows the link; for-you follows', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, errors } = await spiedPage(context);
    // Cold: the for-you row as a first-time shopper gets it (no row has been on screen yet).
    await page.route('**/demo/dropin.html', async (route) => {
      const response = await route.fetch();
      // The same page with the product rows' tracking off, to see the cold list.
      const body = (await response.text()).replace('<meta name="shopwindow-currency"', '<meta name="shopwindow-track" content="off"><meta name="shopwindow-currency"');
      await route.fulfill({ response, body });
    });
    await openDropin(page);
    const cold = (await rows(page))['for-you'].cards;
    assert.deepEqual((await storedRecords(page)) ?? [], [], 'track="off" records nothing');
    await page.unroute('**/demo/dropin.html');

    // The real page: the similar row (item="ELE-0188") is on screen, so the product was viewed.
    await openDropin(page);
    await page.waitForFunction(async () => (await document.querySelector('shopwindow-recs').shop).history.size === 1);
    let records = await storedRecords(page);
    assert.deepEqual(records.map((r) => `${r.type}:${r.itemId}`), ['view:ELE-0188']);
    // A reload is not another view of it.
    await page.reload();
    await openDropin(page);
    await page.waitForTimeout(300);
    records = await storedRecords(page);
    assert.equal(records.length, 1);
    const personal = (await rows(page))['for-you'].cards;
    assert.notDeepEqual(personal, cold, 'for-you did not change with the history');
    assert.ok(!personal.includes('ELE-0188'));

    // A click on a card: a view of its product, then the link (the main demo's product page).
    const card = page.locator('[data-testid=trending] li[data-item-id] a').first();
    const clicked = await card.evaluate((a) => a.closest('li').dataset.itemId);
    await card.click();
    await page.waitForURL((url) => url.hash === `#/item/${encodeURIComponent(clicked)}`);
    await page.waitForSelector('body[data-state=ready]');
    records = await storedRecords(page);
    assert.deepEqual(records.slice(0, 2).map((r) => `${r.type}:${r.itemId}`), ['view:ELE-0188', `view:${clicked}`]);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('failure: a catalog that does not load, an unknown placement or a missing item show nothing harmful and warn', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.route('**/demo/catalog.safetensors', (route) => route.fulfill({ status: 404, body: 'gone' }));
    const { page, errors } = await spiedPage(context);
    const warned = warnings(page);
    await openDropin(page);
    const found = await rows(page);
    for (const [name, row] of Object.entries(found)) {
      assert.equal(row.state, 'error', name);
      assert.equal(row.busy, null, name);
      assert.deepEqual(row.cards, [], name);
      // Hidden, except the row with fallback content, which shows it.
      assert.equal(row.hidden, name !== 'together', name);
    }
    assert.ok(await page.isVisible('[data-testid=together] > p'), 'the fallback content is shown');
    assert.equal(await page.locator('[data-testid=together] > ul').isVisible(), false);
    assert.equal(warned.length, 5, warned.join('\n'));
    assert.ok(warned.every((w) => /^<shopwindow-recs placement="[a-z-]+">: .*404.*; showing (nothing|the fallback content)$/.test(w)), warned.join('\n'));

    // With a working catalog: an unknown placement and a similar row without an item.
    await context.unroute('**/demo/catalog.safetensors');
    await page.evaluate(() => {
      for (const [placement, item] of [['bestsellers', null], ['similar', null]]) {
        const row = document.createElement('shopwindow-recs');
        row.setAttribute('placement', placement);
        row.setAttribute('catalog', '/demo/catalog.safetensors?again');
        if (item) row.setAttribute('item', item);
        row.className = 'late';
        document.body.append(row);
      }
    });
    await page.waitForFunction(() => [...document.querySelectorAll('shopwindow-recs.late')].every((e) => e.dataset.state === 'error'));
    assert.deepEqual(await page.$$eval('shopwindow-recs.late', (e) => e.map((x) => x.hidden)), [true, true]);
    assert.match(warned[5], /placement="bestsellers".*unknown placement "bestsellers" \(expected for-you, similar, together, trending\)/);
    assert.match(warned[6], /placement "similar" needs item="ID"/);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(errors.filter((e) => !/404/.test(e)), []);
    await context.close();
  });

  test('the element adds at most 8 KB gzip', () => {
    const source = readFileSync(join(WWW, 'element.js'));
    const gzipped = gzipSync(source, { level: 9 }).length;
    console.log(`element.js: ${source.length} bytes, ${gzipped} bytes gzip -9`);
    assert.ok(gzipped <= 8 * 1024, `element.js is ${gzipped} bytes gzip`);
  });
});
