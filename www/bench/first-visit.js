/**
 * First-visit benchmark: the demo storefront as a shopper on a phone meets it.
 *
 * Headless Chromium with the network and CPU of Lighthouse's "Slow 4G" mobile profile
 * (150 ms round trip, 1.6 Mbps down, 750 Kbps up, CPU slowed 4×), a cold cache (a fresh
 * browser context per run), and no history. For each run it reports:
 *
 * - first cards: the first product card on the page (any list);
 * - engine list: "recommended for you" computed by the engine, the list that personalizes
 *   (a first visit has no history yet, so it is the engine's popular answer; every click
 *   after it is scored the same way);
 * - the bytes transferred (encoded, as on the wire: bodies plus response headers) before
 *   each of the two, including the scoring worker's own requests, and in all.
 *
 * A tool, not a test: `cargo xtask bench --first-visit` serves www/ with the demo server and
 * runs it; `node bench/first-visit.js --url http://127.0.0.1:8080/demo/ --runs 5` against a
 * running `cargo xtask demo`. Prints a table and writes test-results/first-visit.json.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { OUTPUT, launch, startServer } from '../tests/helpers.js';

/** Lighthouse's mobile "Slow 4G" throttling, as the network and CPU conditions of CDP. */
export const SLOW_4G = {
  latencyMs: 150,
  downloadKbps: 1.6 * 1024,
  uploadKbps: 750,
  cpuSlowdown: 4,
};

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.SHOPWINDOW_URL },
    runs: { type: 'string', default: '3' },
    'no-throttle': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: ${values.runs} is not a positive whole number`);

const server = values.url ? { origin: new URL(values.url).origin, stop() {} } : await startServer();
const browser = await launch();
const results = [];
try {
  for (let run = 0; run < runs; run++) {
    results.push(await visit(`${server.origin}/demo/`, !values['no-throttle']));
    console.log(`run ${run + 1}: ${line(results.at(-1))}`);
  }
} finally {
  await browser.close();
  server.stop();
}

const median = summarize(results);
console.log(`\nmedian of ${runs} (${values['no-throttle'] ? 'no throttling' : 'Slow 4G, 4× CPU'}, cold cache):`);
console.log(`  ${line(median)}`);
console.log('\n  request (first run)                      KB on the wire   done at');
for (const r of results[0].requests) {
  console.log(`  ${r.path.padEnd(40)} ${(r.bytes / 1024).toFixed(1).padStart(8)}   ${(r.doneMs / 1000).toFixed(2).padStart(6)} s  ${r.encoding}`);
}
const file = join(OUTPUT, 'first-visit.json');
writeFileSync(file, JSON.stringify({ profile: SLOW_4G, throttled: !values['no-throttle'], median, runs: results }, null, 2));
console.log(`\nwrote ${file}`);

/** One cold first visit; times in ms after navigation start. */
async function visit(url, throttle) {
  const context = await browser.newContext({ viewport: { width: 412, height: 915 } });
  // Marks taken inside the page, on its own clock, as the lists appear.
  await context.addInitScript(() => {
    const marks = (window.__firstVisit = {});
    new MutationObserver(() => {
      marks.firstCards ??= document.querySelector('.card') ? performance.now() : undefined;
      const forYou = document.getElementById('for-you');
      if (forYou?.dataset.strategy && forYou.querySelector('.card')) marks.engineList ??= performance.now();
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
  const page = await context.newPage();
  if (throttle) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: SLOW_4G.latencyMs,
      downloadThroughput: (SLOW_4G.downloadKbps * 1024) / 8,
      uploadThroughput: (SLOW_4G.uploadKbps * 1024) / 8,
    });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: SLOW_4G.cpuSlowdown });
  }
  // The context sees the worker's requests too (the page's `request` event does not).
  const finished = [];
  context.on('requestfinished', (request) => finished.push(request));
  await page.goto(url);
  await page.waitForSelector('body[data-state]', { timeout: 120_000 });
  if ((await page.getAttribute('body', 'data-state')) !== 'ready') throw new Error('the demo did not start');
  await page.waitForFunction(() => window.__firstVisit.engineList !== undefined);
  const { marks, timeOrigin } = await page.evaluate(() => ({ marks: window.__firstVisit, timeOrigin: performance.timeOrigin }));
  const requests = [];
  for (const request of finished) {
    const sizes = await request.sizes();
    const timing = request.timing();
    const response = await request.response();
    requests.push({
      path: new URL(request.url()).pathname,
      bytes: sizes.responseBodySize + sizes.responseHeadersSize,
      doneMs: timing.startTime + timing.responseEnd - timeOrigin,
      encoding: (await response?.headerValue('content-encoding')) ?? '',
    });
  }
  requests.sort((a, b) => a.doneMs - b.doneMs);
  const bytesBefore = (ms) => requests.filter((r) => r.doneMs <= ms).reduce((sum, r) => sum + r.bytes, 0);
  await context.close();
  return {
    firstCardsMs: marks.firstCards,
    engineListMs: marks.engineList,
    bytesBeforeFirstCards: bytesBefore(marks.firstCards),
    bytesBeforeEngineList: bytesBefore(marks.engineList),
    bytesTotal: requests.reduce((sum, r) => sum + r.bytes, 0),
    requests,
  };
}

function line(r) {
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const kb = (b) => `${(b / 1024).toFixed(0)} KB`;
  return (
    `first cards ${s(r.firstCardsMs)} (${kb(r.bytesBeforeFirstCards)}), ` +
    `engine list ${s(r.engineListMs)} (${kb(r.bytesBeforeEngineList)}), ${kb(r.bytesTotal)} in all`
  );
}

function summarize(all) {
  const mid = (key) => {
    const sorted = all.map((r) => r[key]).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  };
  const keys = ['firstCardsMs', 'engineListMs', 'bytesBeforeFirstCards', 'bytesBeforeEngineList', 'bytesTotal'];
  return Object.fromEntries(keys.map((k) => [k, mid(k)]));
}
