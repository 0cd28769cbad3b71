/**
 * Shared set-up of the end-to-end tests: the demo server, headless Chromium, and pages that
 * record every request and every CSP violation.
 *
 * The server is the real one (`cargo xtask demo --serve-only`, the Rust static server with
 * the CSP header). `cargo xtask test` starts it and passes SHOPWINDOW_URL; run by hand
 * (`npm test` in www/) the tests start it themselves.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const WWW = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUTPUT = join(WWW, 'test-results');
mkdirSync(OUTPUT, { recursive: true });

/** Every file the demo's pages (the shop and the drop-in page) and the package may request:
 *  static files only, so nothing about the shopper can be in a request. */
export const STATIC_FILE =
  /^\/(demo\/(|index\.html|dropin\.html|app\.js|placements\.js|style\.css|catalog\.json|popular\.json|campaigns\.json|catalog\.safetensors|img\/[a-z]+\.svg)|index\.js|element\.js|worker\.js|lib\/[a-z]+\.js|storage\/[a-z]+\.js|pkg\/shopwindow(_campaigns|_gpu)?(\.js|_bg\.wasm))$/;

/** Never a downloaded browser: the system's Chromium, as in the wasm-bindgen browser tests. */
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu'];

/** Starts the server unless SHOPWINDOW_URL names a running one; returns the origin. */
export async function startServer() {
  if (process.env.SHOPWINDOW_URL) return { origin: new URL(process.env.SHOPWINDOW_URL).origin, stop() {} };
  const child = spawn('cargo', ['xtask', 'demo', '--serve-only', '--port', '0'], {
    cwd: join(WWW, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  for await (const chunk of child.stdout) {
    output += chunk;
    const match = /serving the demo storefront on (http:\/\/[^/\s]+)/.exec(output);
    if (match) return { origin: match[1], stop: () => child.kill() };
  }
  const [code] = child.exitCode === null ? await once(child, 'exit') : [child.exitCode];
  throw new Error(`the demo server exited (${code}) before serving:\n${output}`);
}

export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/**
 * Registers the file's `before`/`after` hooks that start the server and Chromium once and
 * stop them at the end. The returned object's `server` and `browser` are set once `before`
 * has run, that is inside every test.
 */
export function serverAndBrowser() {
  const env = { server: undefined, browser: undefined };
  before(async () => {
    env.server = await startServer();
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    env.server?.stop();
  });
  return env;
}

/**
 * A page of `context` whose requests and CSP violations are recorded.
 * @param {import('playwright-core').BrowserContext} context
 */
export async function spiedPage(context) {
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
    });
  });
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  page.on('request', (request) => requests.push(request));
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return { page, requests, errors };
}

/**
 * What a spied page (`spiedPage`) must show after a test: nothing personal left the device
 * (only same-origin GETs), no CSP violation, no page error.
 */
export async function assertNothingLeftTheDevice({ page, requests, errors }, origin) {
  const foreign = requests.filter((r) => !r.url().startsWith(origin));
  assert.deepEqual(foreign.map((r) => r.url()), []);
  assert.ok(requests.every((r) => r.method() === 'GET'), requests.map((r) => `${r.method()} ${r.url()}`).join('\n'));
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
  assert.deepEqual(errors, []);
}

/** Opens the demo and waits until it is ready (or has failed). */
export async function openDemo(page, origin, query = '') {
  await page.goto(`${origin}/demo/${query}`);
  await page.waitForSelector('body[data-state]', { timeout: 60_000 });
  return page.getAttribute('body', 'data-state');
}

/** Ids and categories of the cards in a row or grid. */
export function cards(page, selector) {
  return page.$$eval(`${selector} .card`, (nodes) => nodes.map((n) => ({ id: n.dataset.itemId, category: n.dataset.category })));
}

/** Clicks a product card and waits for its page and the updated recommendations. */
export async function clickProduct(page, selector, index) {
  const card = page.locator(`${selector} .card`).nth(index);
  const id = await card.getAttribute('data-item-id');
  const before = await page.textContent('#data-count');
  await card.click();
  // The product page is done when its route has drawn every list: the grid below it is
  // redrawn in the store's order, so the next click by position must wait for that.
  await page.waitForFunction(
    ([id, before]) =>
      document.getElementById('product-id')?.textContent === id &&
      document.getElementById('data-count').textContent !== before &&
      document.body.dataset.routed === `#/item/${id}`,
    [id, before],
  );
  return id;
}

export async function dataCount(page) {
  return Number(await page.textContent('#data-count'));
}

/** The stored records, read straight from IndexedDB (not through the library). */
export function storedRecords(page) {
  return page.evaluate(async () => {
    const names = (await indexedDB.databases()).map((d) => d.name);
    if (!names.includes('shopwindow')) return null;
    return new Promise((resolve, reject) => {
      const open = indexedDB.open('shopwindow');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const request = db.transaction('events').objectStore('events').getAll();
        request.onsuccess = () => {
          db.close();
          resolve(request.result);
        };
        request.onerror = () => reject(request.error);
      };
    });
  });
}
