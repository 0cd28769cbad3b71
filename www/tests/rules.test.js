/**
 * Merchandising rules through the package API, in the worker and on the page: per-call
 * `rules` on recommend / similar / together / trending, per-placement defaults
 * (`setRules`), hiding recent purchases from the history on the device, and errors for
 * unknown fields and out-of-range values.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { openDemo, serverAndBrowser, spiedPage } from './helpers.js';

const env = serverAndBrowser();

describe('merchandising rules', () => {
  for (const worker of [true, false]) {
    test(`rules reorder, pin, hide and fail loudly (worker=${worker})`, async () => {
      const context = await env.browser.newContext();
      const { page, errors } = await spiedPage(context);
      assert.equal(await openDemo(page, env.server.origin), 'ready');
      const got = await page.evaluate(async (worker) => {
        const { Shopwindow } = await import('/index.js');
        const shop = await Shopwindow.open({
          catalogUrl: '/demo/catalog.safetensors',
          worker,
          storageName: `rules-${worker}`,
          indexedDB: null,
        });
        const ids = (r) => r.items.map((i) => i.id);
        const cats = (r) => r.items.map((i) => i.category);
        const out = {};
        const trending = await shop.trending({ k: 6 });
        const category = shop.catalog.categories[shop.catalog.categories.length - 1];
        out.category = category;
        out.trending = ids(trending);
        // A large boost fills the list with the category; the boost adds to the score.
        const boosted = await shop.trending({ k: 6, rules: { boosts: [{ categories: [category], add: 1000 }] } });
        out.boostedCats = cats(boosted);
        out.boostedScores = boosted.items.map((i) => i.score);
        // Never show the top three: the list stays full without them.
        const hidden = await shop.trending({ k: 6, rules: { neverShow: out.trending.slice(0, 3) } });
        out.hidden = ids(hidden);
        // A pin takes its position; the pinned item is not repeated.
        const pinned = await shop.trending({ k: 6, rules: { pins: [{ id: out.trending[4], position: 0 }] } });
        out.pinned = ids(pinned);
        // Per-placement default, replaced whole by a call's own rules, removable.
        shop.setRules('trending', { neverShowCategories: [category] });
        out.defaulted = cats(await shop.trending({ k: 6 }));
        out.overridden = cats(await shop.trending({ k: 6, rules: { boosts: [{ categories: [category], add: 1000 }] } }));
        out.rulesFor = shop.rulesFor('trending');
        out.explicitNone = ids(await shop.trending({ k: 6, rules: null }));
        shop.setRules('trending', null);
        out.cleared = ids(await shop.trending({ k: 6 }));
        try {
          shop.setRules('checkout', {});
        } catch (e) {
          out.badPlacement = e.message;
        }
        // Recently bought, from the history on this device (the package passes it).
        await shop.track({ type: 'purchase', itemId: out.trending[0] });
        out.afterPurchase = ids(await shop.trending({ k: 6, rules: { hideBoughtDays: 30 } }));
        const recommended = await shop.recommend({ k: 6, excludeHistory: 'none', rules: { hideBoughtDays: 1, pins: [{ id: out.trending[1], position: 2 }] } });
        out.recommended = ids(recommended);
        const similar = await shop.similar(out.trending[2], { k: 5, rules: { pins: [{ id: out.trending[3], position: 0 }] } });
        out.similar = ids(similar);
        const together = await shop.together([out.trending[2]], { k: 5, rules: { pins: [{ id: out.trending[3], position: 0 }] } });
        out.together = ids(together);
        const fail = async (options) => {
          try {
            await shop.trending(options);
            return null;
          } catch (e) {
            return e.message;
          }
        };
        out.unknownField = await fail({ rules: { pinz: [] } });
        out.wrongType = await fail({ rules: { boosts: [{ categories: [category], add: 'lots' }] } });
        out.outOfRange = await fail({ rules: { hideBoughtDays: 0 } });
        out.pinClash = await fail({ rules: { pins: [{ id: out.trending[1], position: 1 }, { id: out.trending[2], position: 1 }] } });
        shop.close();
        return out;
      }, worker);

      assert.ok(got.boostedCats.length === 6 && got.boostedCats.every((c) => c === got.category), JSON.stringify(got.boostedCats));
      assert.ok(got.boostedScores.every((s) => s >= 1000), JSON.stringify(got.boostedScores));
      assert.equal(got.hidden.length, 6);
      assert.ok(!got.hidden.some((id) => got.trending.slice(0, 3).includes(id)));
      assert.equal(got.pinned[0], got.trending[4]);
      assert.equal(got.pinned.filter((id) => id === got.trending[4]).length, 1);
      assert.deepEqual(got.pinned.slice(1, 5), got.trending.slice(0, 4));
      assert.ok(got.defaulted.length === 6 && !got.defaulted.includes(got.category), JSON.stringify(got.defaulted));
      assert.ok(got.overridden.every((c) => c === got.category));
      assert.deepEqual(got.rulesFor, { neverShowCategories: [got.category] });
      assert.deepEqual(got.cleared, got.trending);
      assert.deepEqual(got.explicitNone, got.trending, 'rules: null overrides the default');
      assert.match(got.badPlacement, /placement/);
      assert.ok(!got.afterPurchase.includes(got.trending[0]) && got.afterPurchase.length === 6);
      assert.equal(got.recommended[2], got.trending[1]);
      assert.ok(!got.recommended.includes(got.trending[0]), 'bought just now, hidden for a day');
      assert.equal(got.similar[0], got.trending[3]);
      assert.equal(got.together[0], got.trending[3]);
      assert.match(got.unknownField, /pinz/);
      assert.match(got.wrongType, /invalid type/);
      assert.match(got.outOfRange, /rules\.hideBoughtDays/);
      assert.match(got.pinClash, /both take position 1/);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
});
