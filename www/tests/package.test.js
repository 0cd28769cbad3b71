/**
 * Checks of the package that need no browser: the wasm modules load and answer (a broken
 * optimiser output fails here in a second), the type declarations compile against a store's
 * usage, and the integrity helpers follow SRI's rules.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

test('the WebGPU module scans for the engine module: the engine\'s lists, the engine\'s errors', async () => {
  const engine = await import('../pkg/shopwindow.js');
  engine.initSync({ module: readFileSync(join(WWW, 'pkg/shopwindow_bg.wasm')) });
  const gpu = await import('../pkg/shopwindow_gpu.js');
  gpu.initSync({ module: readFileSync(join(WWW, 'pkg/shopwindow_gpu_bg.wasm')) });
  const bytes = readFileSync(join(WWW, 'demo/catalog.safetensors'));
  // The demo's catalog is small: only a forced "webgpu" would fetch the GPU module for it.
  assert.equal(engine.triesGpu(bytes, 'auto'), false);
  assert.equal(engine.triesGpu(bytes, 'webgpu'), true);
  const cpu = new engine.Recommender(bytes);
  // Node has no navigator.gpu: every scan runs on the engine's CPU backend, and the status says why.
  const other = await gpu.GpuRecommender.create(cpu, { backend: 'webgpu' });
  assert.equal(other.backendStatus.fallback, true);
  assert.match(other.backendStatus.reason, /navigator\.gpu/);
  assert.equal(other.backend, 'simd128');
  const history = [{ itemId: cpu.recommend([], { k: 1 }).items[0].id, type: 'purchase' }];
  assert.deepEqual(await other.recommendAsync(history, { k: 10 }), cpu.recommend(history, { k: 10 }));
  const item = history[0].itemId;
  assert.deepEqual(await other.similarAsync(item, { k: 5 }), cpu.similar(item, { k: 5 }));
  await assert.rejects(other.recommendAsync(history, { k: 10, colour: 'red' }), /colour/);
  await assert.rejects(other.similarAsync('no-such-item'), /no-such-item/);
  // The history is required here, where the engine's sync `recommend` takes none as empty.
  await assert.rejects(other.recommendAsync(undefined, { k: 3 }), /invalid history/);
  assert.equal(typeof cpu.recommendAsync, 'undefined', 'the engine module has no async methods');
  // A CPU choice goes to the engine: the GPU module keeps no copy of the catalog.
  assert.equal((await other.setBackendAsync('scalar')).backend, 'scalar');
  assert.equal(cpu.backend, 'scalar');
});

test('the interests module labels the engine module\'s points, and the engine takes them back', async () => {
  const engine = await import('../pkg/shopwindow.js');
  engine.initSync({ module: readFileSync(join(WWW, 'pkg/shopwindow_bg.wasm')) });
  const interests = await import('../pkg/shopwindow_interests.js');
  interests.initSync({ module: readFileSync(join(WWW, 'pkg/shopwindow_interests_bg.wasm')) });
  const recommender = new engine.Recommender(readFileSync(join(WWW, 'demo/catalog.safetensors')));
  const history = recommender.recommend([], { k: 8 }).items.map((item) => ({ itemId: item.id, type: 'view' }));
  const options = { k: 6, interests: true };
  const points = recommender.interestPoints(history, options);
  const dim = recommender.info().dim;
  assert.equal(points.length, history.length * dim, 'one unit vector per history item');
  const labels = interests.splitInterests(points, dim);
  assert.ok(labels.length === 0 || labels.length === history.length);
  assert.deepEqual(Array.from(interests.splitInterests(points, dim)), Array.from(labels), 'the same points, the same labels');
  const list = recommender.recommend(history, options, labels);
  assert.equal(list.items.length, 6);
  // Without labels the engine cannot split by itself, and says what it needs.
  assert.throws(() => recommender.recommend(history, options), /interest labels are missing/);
  assert.throws(() => recommender.recommend(history, options, new Uint8Array([0, 1])), /2 interest labels for a history with 8/);
  // Too few items: no points, and empty labels are the one-interest answer.
  const short = history.slice(0, 3);
  assert.equal(recommender.interestPoints(short, options).length, 0);
  assert.deepEqual(recommender.recommend(short, options, new Uint8Array(0)).items, recommender.recommend(short, { k: 6 }).items);
});

test('the campaigns module completes a decision with the engine module\'s standing', async () => {
  const engine = await import('../pkg/shopwindow.js');
  engine.initSync({ module: readFileSync(join(WWW, 'pkg/shopwindow_bg.wasm')) });
  const campaigns = await import('../pkg/shopwindow_campaigns.js');
  campaigns.initSync({ module: readFileSync(join(WWW, 'pkg/shopwindow_campaigns_bg.wasm')) });
  const recommender = new engine.Recommender(readFileSync(join(WWW, 'demo/catalog.safetensors')));
  const definitions = JSON.stringify({
    version: 1,
    campaigns: [{ id: 'offer', variants: [{ id: 'x' }, { id: 'y' }], policy: { kind: 'linUcb', alpha: 0.3 }, context: { userDims: 4 } }],
  });
  const book = new campaigns.Campaigns(definitions, undefined);
  const item = recommender.recommend([], { k: 1 }).items[0].id;
  const history = [{ itemId: item, type: 'purchase', timestamp: Date.now() }];
  const request = book.standingRequest('offer', { page: 'home' });
  assert.deepEqual(request, { segment: true, rfm: true, userDims: 4 });
  const standing = recommender.shopperStanding(history, undefined, request);
  assert.equal(standing.user.length, 4);
  assert.deepEqual(standing.user, Array.from(recommender.userFeatures(history, 4)));
  const decision = book.choose('offer', { page: 'home' }, standing);
  assert.equal(decision.policy, 'linUcb');
  assert.ok(['x', 'y'].includes(decision.variant));
  assert.equal(book.standingRequest('offer', { segment: 1, rfm: null, user: [1, 0, 0, 0] }), undefined);
  assert.throws(() => recommender.shopperStanding(history, undefined, { segment: false, rfm: false, userDims: 1e9 }), /userDims/);
});

test('the type declarations compile against a store\'s usage (tests/types/usage.ts)', () => {
  const tsc = join(WWW, 'node_modules/.bin/tsc');
  const result = spawnSync(tsc, ['-p', join(WWW, 'tests/types/tsconfig.json')], { encoding: 'utf8' });
  assert.equal(result.status, 0, `tsc:\n${result.stdout}${result.stderr}`);
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
