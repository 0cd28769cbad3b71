/**
 * Checks of the package that need no browser: the wasm module loads and answers (a broken
 * optimiser output fails here in a second), and the integrity helpers follow SRI's rules.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { IntegrityError, checkIntegrity, parseIntegrity } from '../lib/integrity.js';
import { WWW } from './helpers.js';

test('the built wasm package loads and recommends', async () => {
  const { initSync, Recommender } = await import('../pkg/shopwindow.js');
  initSync({ module: readFileSync(join(WWW, 'pkg/shopwindow_bg.wasm')) });
  const recommender = new Recommender(readFileSync(join(WWW, 'demo/catalog.safetensors')));
  const info = recommender.info();
  assert.ok(info.items > 1000);
  const first = recommender.recommend([], { k: 1 }).items[0];
  const result = recommender.recommend([{ itemId: first.id, type: 'view' }], { k: 5 });
  assert.equal(result.strategy, 'personalized');
  assert.equal(result.items.length, 5);
  assert.throws(() => new Recommender(new Uint8Array([1, 2, 3])), /catalog/);
});

test('integrity: strongest algorithm wins, any of its digests may match', async () => {
  const bytes = new TextEncoder().encode('catalog bytes');
  const sha = (algorithm) => `${algorithm}-${createHash(algorithm).update(bytes).digest('base64')}`;
  await checkIntegrity(bytes, sha('sha256'), 'x');
  await checkIntegrity(bytes, `${sha('sha512')} sha512-AAAA`, 'x');
  // A correct weaker digest does not rescue a wrong stronger one.
  await assert.rejects(checkIntegrity(bytes, `${sha('sha256')} sha384-AAAA`, 'x'), IntegrityError);
  assert.equal(parseIntegrity(`md5-abc ${sha('sha384')}`).length, 1);
  assert.throws(() => parseIntegrity('md5-abc'), TypeError);
});
