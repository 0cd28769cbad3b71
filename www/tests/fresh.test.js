/**
 * The `fresh` option through the package API (in the worker and on the page) and the
 * drop-in element's `fresh` attribute. The demo catalog has no content-derived products, so
 * the browser is served the same catalog with its last items marked content-derived
 * (`content.items` in its metadata, the only change): the fresh places must hold those
 * items, at the spread positions, and bad values must fail naming the field.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { assertNothingLeftTheDevice, openDemo, serverAndBrowser, spiedPage } from './helpers.js';

const env = serverAndBrowser();

/** The last this many items of the served catalog are content-derived. */
const CONTENT_ITEMS = 60;

/**
 * The demo catalog with `content.items` set, and the ids of those last items. The header
 * is padded to a multiple of 8 bytes, so every tensor keeps its alignment.
 */
async function catalogWithContentItems(origin) {
  const bytes = new Uint8Array(await (await fetch(`${origin}/demo/catalog.safetensors`)).arrayBuffer());
  const view = new DataView(bytes.buffer);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const data = bytes.subarray(8 + headerLength);
  header.__metadata__ = { ...header.__metadata__, 'content.items': String(CONTENT_ITEMS) };
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - ((8 + text.length) % 8)) % 8);
  const encoded = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + encoded.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(encoded.length), true);
  out.set(encoded, 8);
  out.set(data, 8 + encoded.length);

  const tensor = (name) => {
    const { dtype, data_offsets: [start, end] } = header[name];
    const raw = data.slice(start, end);
    if (dtype === 'U8') return raw;
    if (dtype === 'U32' || dtype === 'I32') return new Uint32Array(raw.buffer);
    if (dtype === 'U64' || dtype === 'I64') return Array.from(new BigUint64Array(raw.buffer), Number);
    throw new Error(`unexpected dtype ${dtype} of ${name}`);
  };
  const utf8 = tensor('item.id.utf8');
  const offsets = tensor('item.id.offsets');
  const items = offsets.length - 1;
  const ids = [];
  for (let i = items - CONTENT_ITEMS; i < items; i++) {
    ids.push(new TextDecoder().decode(utf8.subarray(offsets[i], offsets[i + 1])));
  }
  return { body: Buffer.from(out), ids };
}

/** A context whose catalog requests get the catalog with content-derived items. */
async function contextWithContentItems() {
  const catalog = await catalogWithContentItems(env.server.origin);
  const context = await env.browser.newContext();
  await context.route('**/demo/catalog.safetensors', (route) =>
    route.fulfill({ status: 200, contentType: 'application/octet-stream', body: catalog.body }),
  );
  return { context, ids: catalog.ids };
}

describe('fresh: places for new, content-derived products', () => {
  for (const worker of [false, true]) {
    test(`recommend and similar give the fresh places to content-derived products (worker=${worker})`, async () => {
      const { context, ids } = await contextWithContentItems();
      const spied = await spiedPage(context);
      assert.equal(await openDemo(spied.page, env.server.origin), 'ready');
      const got = await spied.page.evaluate(async (worker) => {
        const { Shopwindow } = await import('/index.js');
        const shop = await Shopwindow.open({
          catalogUrl: '/demo/catalog.safetensors',
          worker,
          storageName: `fresh-${worker}`,
          indexedDB: null,
          cache: false,
        });
        const ids = (r) => r.items.map((i) => i.id);
        const out = {};
        out.coldPlain = ids(await shop.recommend({ k: 8 }));
        out.coldFresh = ids(await shop.recommend({ k: 8, fresh: { share: 0.25 } }));
        for (const id of out.coldPlain.slice(0, 3)) await shop.track({ type: 'purchase', itemId: id });
        out.plain = ids(await shop.recommend({ k: 8 }));
        out.fresh = ids(await shop.recommend({ k: 8, fresh: { share: 0.25 } }));
        out.zero = ids(await shop.recommend({ k: 8, fresh: { share: 0 } }));
        out.similarPlain = ids(await shop.similar(out.plain[0], { k: 8 }));
        out.similarFresh = ids(await shop.similar(out.plain[0], { k: 8, fresh: { share: 0.5 } }));
        const fail = async (call) => {
          try {
            await call();
            return null;
          } catch (e) {
            return e.message;
          }
        };
        out.tooLarge = await fail(() => shop.recommend({ fresh: { share: 0.6 } }));
        out.unknownField = await fail(() => shop.recommend({ fresh: { shares: 0.1 } }));
        out.probability = await fail(() => shop.probability(out.plain.slice(0, 2), { fresh: { share: 0.1 } }));
        shop.close();
        return out;
      }, worker);

      const content = new Set(ids);
      // k 8, share 0.25: two places, at 0-based 2 and 6 (evenly spread from the second).
      for (const [plain, fresh] of [
        [got.coldPlain, got.coldFresh],
        [got.plain, got.fresh],
      ]) {
        assert.equal(fresh.length, 8);
        assert.equal(fresh[0], plain[0], 'the first place stays the best ordinary item');
        assert.ok(content.has(fresh[2]) && content.has(fresh[6]), JSON.stringify(fresh));
        assert.equal(new Set(fresh).size, 8, 'no product twice');
      }
      assert.deepEqual(got.zero, got.plain);
      // share 0.5 of 8: places 1, 3, 5, 7.
      assert.equal(got.similarFresh[0], got.similarPlain[0]);
      for (const at of [1, 3, 5, 7]) assert.ok(content.has(got.similarFresh[at]), JSON.stringify(got.similarFresh));
      assert.match(got.tooLarge, /fresh\.share/);
      assert.match(got.unknownField, /shares/);
      assert.match(got.probability, /fresh/);
      await assertNothingLeftTheDevice(spied, env.server.origin);
      await context.close();
    });
  }

  test('the drop-in element takes fresh="0.25"', async () => {
    const { context, ids } = await contextWithContentItems();
    const spied = await spiedPage(context);
    await spied.page.goto(`${env.server.origin}/demo/dropin.html`);
    const rendered = await spied.page.evaluate(
      () =>
        new Promise((resolve) => {
          const row = document.createElement('shopwindow-recs');
          row.setAttribute('placement', 'for-you');
          row.setAttribute('k', '8');
          row.setAttribute('fresh', '0.25');
          row.dataset.testid = 'fresh';
          row.addEventListener('shopwindow-render', (e) =>
            resolve({ ids: e.detail.items.map((i) => i.id), cards: row.querySelectorAll('li[data-item-id]').length }),
          );
          document.querySelector('main').append(row);
        }),
    );
    const content = new Set(ids);
    assert.equal(rendered.ids.length, 8);
    assert.equal(rendered.cards, 8);
    assert.ok(content.has(rendered.ids[2]) && content.has(rendered.ids[6]), JSON.stringify(rendered.ids));
    await assertNothingLeftTheDevice(spied, env.server.origin);
    await context.close();
  });
});
