/**
 * The segment badge of the demo storefront: `shop.segment()` computed on the device from
 * the history, shown with its reason, following the shopper's browsing.
 */

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { OUTPUT, clickProduct, openDemo, serverAndBrowser, spiedPage } from './helpers.js';

const env = serverAndBrowser();

/** Opens category `name`'s page and views its products `indices`. */
async function browse(page, name, indices) {
  await page.locator('#categories a', { hasText: name }).first().click();
  await page.waitForFunction((c) => document.getElementById('grid-title').textContent === c, name);
  for (const i of indices) await clickProduct(page, '#grid', i);
  // The badge is refreshed after the recommendations; wait until it shows this history.
  await page.waitForFunction(() => !document.getElementById('segment').hidden);
}

function badge(page) {
  return page.evaluate(() => ({
    label: document.getElementById('segment-badge').textContent,
    id: document.getElementById('segment-badge').dataset.segmentId,
    why: document.getElementById('segment-why').textContent,
  }));
}

async function categories(page) {
  return (await page.$$eval('#categories a', (links) => links.map((a) => a.textContent))).filter((c) => c !== 'All');
}

describe('segment badge', () => {
  for (const worker of ['1', '0']) {
    test(`appears with a reason once the shopper browses, and changes with browsing (worker=${worker})`, async () => {
      const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
      const { page, errors } = await spiedPage(context);
      assert.equal(await openDemo(page, env.server.origin, `?worker=${worker}`), 'ready');
      // No history, no segment.
      assert.equal(await page.getAttribute('#segment', 'hidden'), '');

      const all = await categories(page);
      await browse(page, all[0], [0, 1, 2]);
      const first = await badge(page);
      assert.ok(first.label.length > 0);
      assert.match(first.why, /^why: your visits lean to .+, like [\d,]+ of our customers \(\d+% match\)$/);
      // The reason names categories of the shop.
      const named = first.why.replace(/^why: your visits lean to /, '').replace(/, like .*$/, '').split(', ');
      assert.ok(named.every((c) => all.includes(c)), `${first.why} vs ${all}`);

      // The page's own call agrees with the badge.
      const direct = await page.evaluate(async () => {
        const { Shopwindow } = await import('/index.js');
        const shop = await Shopwindow.open({ catalogUrl: '/demo/catalog.safetensors', worker: false });
        const answer = await shop.segment();
        shop.close();
        return answer;
      });
      assert.equal(String(direct.segment.id), first.id);
      assert.equal(direct.segment.membership.length > 1, true);
      assert.ok(Math.abs(direct.segment.membership.reduce((a, b) => a + b, 0) - 1) < 1e-5);

      // Browsing a department the badge does not mention, at length, moves the shopper.
      const other = all.find((c) => !first.label.includes(c) && !first.why.includes(c));
      await browse(page, other, [0, 1, 2, 3, 4, 5, 6, 7]);
      await page.waitForFunction((id) => document.getElementById('segment-badge').dataset.segmentId !== id, first.id);
      const second = await badge(page);
      assert.notEqual(second.label, first.label);

      // Multi-interest recommendations over the same two departments: a valid list of
      // distinct items outside the history, each tagged with its interest when the
      // history splits; a misspelt value is refused.
      const interests = await page.evaluate(async (worker) => {
        const { Shopwindow } = await import('/index.js');
        const shop = await Shopwindow.open({ catalogUrl: '/demo/catalog.safetensors', worker: worker === '1' });
        const answer = await shop.recommend({ k: 8, interests: true });
        const viewed = shop.history.events().map((e) => e.itemId);
        const refused = await shop.recommend({ interests: 'yes' }).then(() => null, (e) => e.message);
        shop.close();
        return { answer, viewed, refused };
      }, worker);
      const { items, strategy } = interests.answer;
      assert.equal(strategy, 'personalized');
      assert.equal(items.length, 8);
      assert.equal(new Set(items.map((i) => i.id)).size, 8);
      assert.ok(items.every((i) => !interests.viewed.includes(i.id) && Number.isFinite(i.score)));
      const tags = items.map((i) => i.interest);
      assert.ok(
        tags.every((t) => t === undefined) || tags.every((t) => Number.isInteger(t) && t >= 0 && t < 4),
        JSON.stringify(tags),
      );
      assert.match(interests.refused ?? '', /invalid recommend options/);

      // A purchase adds the RFM standing to the reason.
      await page.click('#buy-now');
      await page.waitForFunction(() => /as a customer: /.test(document.getElementById('segment-why').textContent));
      if (worker === '1') await page.locator('section.for-you').screenshot({ path: join(OUTPUT, 'demo-segment.png') });

      // Erasing the history removes the badge.
      await page.click('#data-button');
      await page.click('#erase');
      await page.waitForFunction(() => document.getElementById('segment').hidden);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }

  test("choose() uses the shopper's segment for the store's per-segment priors", async () => {
    const context = await env.browser.newContext();
    const { page, errors } = await spiedPage(context);
    assert.equal(await openDemo(page, env.server.origin, '?worker=0'), 'ready');
    const all = await categories(page);
    await browse(page, all[0], [0, 1, 2]);
    const segmentId = Number((await badge(page)).id);

    const decisions = await page.evaluate(async (id) => {
      const { Shopwindow } = await import('/index.js');
      // Two variants with opposite, sharp priors: the default favours "a", the shopper's
      // own segment favours "b". Which one wins says which prior the policy used.
      const campaigns = {
        version: 1,
        campaigns: [
          {
            id: 'slot',
            variants: [{ id: 'a' }, { id: 'b' }],
            policy: { kind: 'thompson', draws: 256 },
            floor: 0.01,
            priors: [
              { variant: 'a', alpha: 1000, beta: 1 },
              { variant: 'b', alpha: 1, beta: 1000 },
              { segment: id, variant: 'a', alpha: 1, beta: 1000 },
              { segment: id, variant: 'b', alpha: 1000, beta: 1 },
            ],
          },
        ],
      };
      const shop = await Shopwindow.open({ catalogUrl: '/demo/catalog.safetensors', worker: false, campaigns });
      const own = await shop.choose('slot');
      const otherSegment = await shop.choose('slot', { segment: id + 1 });
      shop.close();
      return { own, otherSegment };
    }, segmentId);
    // The shopper's segment (filled in from segment()) makes "b" near certain...
    assert.ok(decisions.own.probabilities[1] > 0.98, JSON.stringify(decisions.own));
    // ...and a caller's explicit segment without priors of its own falls back to the default.
    assert.ok(decisions.otherSegment.probabilities[0] > 0.98, JSON.stringify(decisions.otherSegment));
    assert.deepEqual(errors, []);
    await context.close();
  });
});
