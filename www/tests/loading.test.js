/**
 * End-to-end tests of how the package and the demo load: the wasm and the catalog download
 * at once, and the first popular grid (popular.json) shows before the engine is up, with
 * the items the engine then lists itself.
 */

import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { writeBigCatalog } from './bigcatalog.js';
import { WWW, cards, openDemo, serverAndBrowser, spiedPage } from './helpers.js';

const env = serverAndBrowser();

/** The paths of the requests `context` makes for `pattern`, as they happen. */
async function recordRequests(context, pattern) {
  const paths = [];
  await context.route(pattern, (route) => {
    paths.push(new URL(route.request().url()).pathname);
    return route.continue();
  });
  return paths;
}

/** A promise and the function that settles it. */
function gate() {
  let open;
  const opened = new Promise((resolve) => (open = resolve));
  return { opened, open };
}

describe('loading', () => {
  test('the wasm download starts before the catalog has arrived', async () => {
    const context = await env.browser.newContext();
    const { page, errors } = await spiedPage(context);
    const wasm = gate();
    // The catalog is held until the wasm is asked for: a package that fetched the wasm only
    // after the catalog would never ask, and the catalog goes after 20 s anyway.
    let wasmFirst = false;
    await context.route('**/pkg/shopwindow_bg.wasm', (route) => {
      wasm.open();
      return route.continue();
    });
    await context.route('**/demo/catalog.safetensors', async (route) => {
      wasmFirst = await Promise.race([wasm.opened.then(() => true), new Promise((r) => setTimeout(() => r(false), 20_000))]);
      return route.continue();
    });
    assert.equal(await openDemo(page, env.server.origin), 'ready');
    assert.ok(wasmFirst, 'the wasm was requested only after the catalog had arrived');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the first grid comes from the preview before the engine is up, with the engine\'s items', async () => {
    const context = await env.browser.newContext();
    const { page, errors } = await spiedPage(context);
    // Hold the wasm back: nothing the engine computes can be on the page meanwhile.
    const release = gate();
    await context.route('**/pkg/shopwindow_bg.wasm', async (route) => {
      await release.opened;
      return route.continue();
    });
    await page.goto(`${env.server.origin}/demo/`);
    await page.waitForSelector('#grid[data-source=preview] .card');
    assert.equal(await page.getAttribute('body', 'data-state'), null, 'the engine was up already');
    const preview = await cards(page, '#grid');
    assert.equal(preview.length, 24);
    release.open();
    await page.waitForSelector('body[data-state=ready]');
    assert.equal(await page.getAttribute('#grid', 'data-source'), 'engine');
    assert.deepEqual(await cards(page, '#grid'), preview);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the progress bar follows the download of a compressed catalog', async () => {
    const context = await env.browser.newContext();
    const { page, errors } = await spiedPage(context);
    // A slow network, so the download takes long enough to be watched.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 200_000, uploadThroughput: 100_000 });
    const widths = [];
    page.on('console', (message) => message.text().startsWith('width ') && widths.push(message.text().slice(6)));
    await page.addInitScript(() => {
      new MutationObserver(() => console.log(`width ${document.getElementById('progress-bar')?.style.width}`)).observe(document, {
        subtree: true,
        attributes: true,
        attributeFilter: ['style'],
      });
    });
    const response = page.waitForResponse((r) => r.url().endsWith('/catalog.safetensors'));
    assert.equal(await openDemo(page, env.server.origin), 'ready');
    assert.ok((await response).headers()['content-encoding'], 'the catalog came uncompressed: nothing to check');
    const between = widths.filter((w) => w !== '50%' && parseFloat(w) > 0 && parseFloat(w) < 100);
    assert.ok(between.length >= 2, `the bar did not move: ${widths.join(' ')}`);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('only a shop with campaigns fetches their module, and neither open nor lists wait for it', async () => {
    const context = await env.browser.newContext();
    const { page, errors } = await spiedPage(context);
    // Held back until released: the shop must open and recommend meanwhile.
    const fetched = [];
    const release = gate();
    await context.route('**/pkg/shopwindow_campaigns*', async (route) => {
      fetched.push(new URL(route.request().url()).pathname);
      if (route.request().url().endsWith('.wasm')) await release.opened;
      return route.continue();
    });
    await page.goto(`${env.server.origin}/demo/catalog.json`);
    const plain = await page.evaluate(async () => {
      const { Shopwindow } = await import('/index.js');
      const shop = await Shopwindow.open({ catalogUrl: '/demo/catalog.safetensors', storageName: 'no-campaigns' });
      const list = await shop.recommend({ k: 3 });
      const status = await shop.campaignsReady();
      const refused = await shop.choose('home-banner').then(() => 'chose', (error) => error.message);
      shop.close();
      return { items: list.items.length, status, refused };
    });
    assert.equal(plain.items, 3);
    assert.deepEqual(plain.status, { loaded: false, loading: false, error: null, dropped: [], stateError: null });
    assert.match(plain.refused, /no campaigns/);
    assert.deepEqual(fetched, [], 'a shop without campaigns fetched their module');

    const opened = await page.evaluate(async () => {
      const { Shopwindow } = await import('/index.js');
      window.shop = await Shopwindow.open({
        catalogUrl: '/demo/catalog.safetensors',
        storageName: 'with-campaigns',
        campaignsUrl: '/demo/campaigns.json',
      });
      const list = await window.shop.recommend({ k: 3 });
      return { items: list.items.length, status: window.shop.status.campaigns };
    });
    assert.equal(opened.items, 3);
    assert.equal(opened.status.loading, true, 'the shop waited for the campaigns module');
    assert.equal(opened.status.loaded, false);
    release.open();
    const chosen = await page.evaluate(async () => {
      const decision = await window.shop.choose('home-banner', { page: 'home' });
      return { variant: decision.variant, status: window.shop.status.campaigns };
    });
    assert.ok(chosen.variant);
    assert.equal(chosen.status.loaded, true);
    assert.equal(chosen.status.loading, false);
    assert.deepEqual(fetched.sort(), ['/pkg/shopwindow_campaigns.js', '/pkg/shopwindow_campaigns_bg.wasm']);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('only a request for interests with enough history fetches the interests module', async () => {
    for (const worker of [true, false]) {
      const context = await env.browser.newContext();
      const { page, errors } = await spiedPage(context);
      const fetched = await recordRequests(context, '**/pkg/shopwindow_interests*');
      await page.goto(`${env.server.origin}/demo/catalog.json`);
      const steps = await page.evaluate(async (worker) => {
        const { Shopwindow } = await import('/index.js');
        const shop = await Shopwindow.open({ catalogUrl: '/demo/catalog.safetensors', storageName: `interests-${worker}`, worker });
        const steps = {};
        steps.cold = (await shop.recommend({ k: 4, interests: true })).strategy;
        const popular = (await shop.popular({ k: 6 })).items.map((item) => item.id);
        await shop.track({ type: 'view', itemId: popular[0] });
        await shop.track({ type: 'view', itemId: popular[1] });
        // Two items are too few to split: the engine says so without the module.
        steps.short = (await shop.recommend({ k: 4, interests: true })).items.length;
        steps.plain = (await shop.recommend({ k: 4 })).items.length;
        for (const itemId of popular.slice(2)) await shop.track({ type: 'view', itemId });
        const split = await shop.recommend({ k: 6, interests: true });
        steps.split = split.items.length;
        steps.tags = split.items.map((item) => item.interest ?? null);
        steps.again = (await shop.recommend({ k: 6, interests: true })).items.map((item) => item.id);
        steps.ids = split.items.map((item) => item.id);
        shop.close();
        return steps;
      }, worker);
      assert.equal(steps.cold, 'popular');
      assert.equal(steps.short, 4);
      assert.equal(steps.plain, 4);
      assert.equal(steps.split, 6);
      assert.ok(steps.tags.every((t) => t === null || (Number.isInteger(t) && t >= 0 && t < 4)), JSON.stringify(steps.tags));
      assert.deepEqual(steps.again, steps.ids, 'the same history gives the same interests');
      // Fetched once, for the first request with six items, not for the cold or short ones.
      assert.deepEqual(fetched.sort(), ['/pkg/shopwindow_interests.js', '/pkg/shopwindow_interests_bg.wasm'], `worker: ${worker}`);
      assert.deepEqual(errors, []);
      await context.close();
    }
  });

  test('only a shop that will score on a GPU fetches the WebGPU module, and it answers the same', async () => {
    const context = await env.browser.newContext();
    const { page, errors } = await spiedPage(context);
    const fetched = await recordRequests(context, '**/pkg/shopwindow_gpu*');
    await page.goto(`${env.server.origin}/demo/catalog.json`);
    const run = (options) =>
      page.evaluate(async (options) => {
        const { Shopwindow } = await import('/index.js');
        const shop = await Shopwindow.open({ catalogUrl: '/demo/catalog.safetensors', ...options });
        const [top] = (await shop.popular({ k: 1 })).items;
        await shop.track({ type: 'purchase', itemId: top.id });
        const list = async () => (await shop.recommend({ k: 10 })).items.map((item) => item.id);
        const before = { list: await list(), status: { ...shop.status } };
        // A later switch to the GPU moves the catalog into the WebGPU module.
        await shop.setBackend('webgpu');
        const after = { list: await list(), status: { ...shop.status } };
        shop.close();
        return { before, after, hasGpu: Boolean(navigator.gpu) };
      }, options);

    // The demo's catalog is too small for "auto" to try a GPU: the engine module alone.
    const auto = await run({ storageName: 'auto' });
    assert.equal(auto.before.status.backendError, null);
    assert.equal(auto.before.list.length, 10);
    if (auto.hasGpu) {
      assert.deepEqual(fetched.sort(), ['/pkg/shopwindow_gpu.js', '/pkg/shopwindow_gpu_bg.wasm'], 'the switch to webgpu loaded the module');
      // Scoring on the GPU, or on the CPU with the GPU's failure named (never the module's).
      const { backend, backendError } = auto.after.status;
      assert.ok(backend === 'webgpu' || /WebGPU unavailable/.test(backendError), JSON.stringify(auto.after.status));
      assert.doesNotMatch(String(backendError), /built without WebGPU/);
    } else {
      assert.deepEqual(fetched, []);
      assert.match(auto.after.status.backendError, /navigator\.gpu is missing/);
    }
    assert.deepEqual(auto.after.list, auto.before.list, 'the WebGPU module ranked differently');

    // Asked for at open, on the page and in the worker: the same list as the engine module's.
    for (const worker of [true, false]) {
      fetched.length = 0;
      const forced = await run({ storageName: `webgpu-${worker}`, backend: 'webgpu', worker });
      assert.deepEqual(forced.before.list, auto.before.list, `worker: ${worker}`);
      if (forced.hasGpu) assert.ok(fetched.includes('/pkg/shopwindow_gpu_bg.wasm'), `worker: ${worker}: not fetched`);
      else assert.match(forced.before.status.backendError, /navigator\.gpu is missing/);
    }
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('"auto" on a catalog large enough for a GPU fetches the WebGPU module only for a hardware adapter', async () => {
    // 40,000 items x 64 dims: over the 2^21 values from which "auto" tries a GPU.
    const file = join(WWW, 'demo/test-gpu-size.safetensors');
    writeBigCatalog(file, 40_000, 64);
    const context = await env.browser.newContext();
    const { page, errors } = await spiedPage(context);
    const fetched = await recordRequests(context, '**/pkg/shopwindow_gpu*');
    try {
      await page.goto(`${env.server.origin}/demo/catalog.json`);
      const result = await page.evaluate(async () => {
        const adapter = await navigator.gpu?.requestAdapter();
        const info = adapter?.info ?? {};
        const software = Boolean(adapter?.isFallbackAdapter || info.isFallbackAdapter) || info.architecture === 'swiftshader';
        const { Shopwindow } = await import('/index.js');
        const shop = await Shopwindow.open({ catalogUrl: '/demo/test-gpu-size.safetensors', cache: false, storageName: 'gpu-size' });
        const list = await shop.recommend({ k: 5 });
        const status = { backend: shop.backend, backendError: shop.status.backendError };
        shop.close();
        return { adapter: Boolean(adapter), software, status, items: list.items.length };
      });
      assert.equal(result.items, 5);
      if (result.adapter && !result.software) {
        assert.ok(fetched.includes('/pkg/shopwindow_gpu_bg.wasm'), 'a hardware adapter, and the module was not fetched');
      } else {
        // No adapter, or a software one that "auto" would refuse: nothing to fetch the module for.
        assert.deepEqual(fetched, []);
        assert.equal(result.status.backend, 'simd128');
        if (result.adapter) assert.equal(result.status.backendError, null, 'a software adapter is not a failure');
        else assert.match(result.status.backendError, /no GPU adapter|navigator\.gpu is missing/);
      }
      assert.deepEqual(errors, []);
    } finally {
      rmSync(file, { force: true });
      await context.close();
    }
  });

  test('a WebGPU module that cannot be fetched leaves the shop on the CPU, saying why', async () => {
    const context = await env.browser.newContext();
    const { page } = await spiedPage(context);
    await context.route('**/pkg/shopwindow_gpu_bg.wasm', (route) => route.abort());
    await page.goto(`${env.server.origin}/demo/catalog.json`);
    const result = await page.evaluate(async () => {
      const { Shopwindow } = await import('/index.js');
      const shop = await Shopwindow.open({ catalogUrl: '/demo/catalog.safetensors', backend: 'webgpu' });
      const list = await shop.recommend({ k: 5 });
      const status = { ...shop.status };
      shop.close();
      return { items: list.items.length, status, hasGpu: Boolean(navigator.gpu) };
    });
    assert.equal(result.items, 5);
    assert.equal(result.status.backend, 'simd128');
    const why = result.hasGpu ? /could not load the WebGPU module/ : /navigator\.gpu is missing/;
    assert.match(result.status.backendError, why);
    await context.close();
  });

  test('only the campaigns module draws entropy: the engine modules import no random source', () => {
    // The wasm-bindgen glue lists every browser function a module imports.
    const glue = (name) => readFileSync(join(WWW, 'pkg', name), 'utf8');
    assert.doesNotMatch(glue('shopwindow.js'), /getRandomValues/);
    assert.doesNotMatch(glue('shopwindow_gpu.js'), /getRandomValues/);
    // The interests' k-means is seeded by a constant: the same history, the same interests.
    assert.doesNotMatch(glue('shopwindow_interests.js'), /getRandomValues/);
    // And only the WebGPU module talks to a GPU.
    assert.doesNotMatch(glue('shopwindow.js'), /requestAdapter/);
    assert.match(glue('shopwindow_gpu.js'), /requestAdapter/);
    assert.match(glue('shopwindow_campaigns.js'), /getRandomValues/);
  });

  test('a preview file that is not one is a clear error', async () => {
    const context = await env.browser.newContext();
    const { page } = await spiedPage(context);
    await page.goto(`${env.server.origin}/demo/catalog.json`);
    const message = await page.evaluate(async () => {
      const { popularPreview } = await import('/index.js');
      return popularPreview('/demo/campaigns.json').then(
        () => 'accepted',
        (error) => error.message,
      );
    });
    assert.match(message, /campaigns\.json is not a shopwindow popular-items preview/);
    await context.close();
  });
});
