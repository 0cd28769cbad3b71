/**
 * What `status` reports about the package's own start-up, in worker and page modes.
 */

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { WWW, serverAndBrowser, spiedPage } from './helpers.js';

describe('status', () => {
  const env = serverAndBrowser();

  test('status.catalog.byteLength is the file size in worker and page modes', async () => {
    const size = statSync(join(WWW, 'demo/catalog.safetensors')).size;
    const context = await env.browser.newContext();
    const { page } = await spiedPage(context);
    await page.goto(`${env.server.origin}/demo/catalog.json`);
    for (const worker of [true, false]) {
      const seen = await page.evaluate(async (worker) => {
        const { Shopwindow } = await import('/index.js');
        const progress = [];
        const shop = await Shopwindow.open({
          catalogUrl: '/demo/catalog.safetensors',
          worker,
          storageName: `status-${worker}`,
          onProgress: ({ phase, loaded, total }) => progress.push({ phase, loaded, total }),
        });
        const result = { status: shop.status, catalog: shop.catalog.byteLength, ready: progress.find((p) => p.phase === 'ready') };
        shop.close();
        return result;
      }, worker);
      assert.equal(seen.status.worker, worker);
      assert.equal(seen.status.catalog.byteLength, size, `status in ${worker ? 'worker' : 'page'} mode`);
      assert.equal(seen.catalog, size);
      assert.deepEqual(seen.ready, { phase: 'ready', loaded: size, total: size });
    }
    await context.close();
  });
});
