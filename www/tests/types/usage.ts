// What a store's TypeScript writes against the package's declarations; `package.test.js`
// type-checks it with `tsc`, so a declaration that no longer matches the built modules (a
// type moved between the wasm modules, a renamed option) fails the tests.

import { Shopwindow, popularPreview } from '../../index.js';
import type { CampaignDecision, CampaignStatus, ChooseContext, Recommendations } from '../../index.js';
import type { ShopwindowRecs } from '../../element.js';
import initEngine, { Recommender, triesGpu } from '../../pkg/shopwindow.js';
import initCampaigns, { Campaigns } from '../../pkg/shopwindow_campaigns.js';
import initGpu, { GpuRecommender } from '../../pkg/shopwindow_gpu.js';
import type { ShopperStanding, StandingRequest } from '../../pkg/shopwindow.js';

export async function storefront(): Promise<string> {
  const preview = await popularPreview('/popular.json');
  const shop = await Shopwindow.open({
    catalogUrl: '/catalog.safetensors',
    campaignsUrl: '/campaigns.json',
    campaignsWasmUrl: new URL('/assets/shopwindow_campaigns_bg.wasm', 'https://shop.example'),
    gpuWasmUrl: '/assets/shopwindow_gpu_bg.wasm',
  });
  const list: Recommendations = await shop.recommend({ k: 8 });
  const loading: boolean = shop.status.campaigns.loading;
  const campaigns: CampaignStatus = await shop.campaignsReady();
  const context: ChooseContext = { page: 'home', segment: null };
  const decision: CampaignDecision = await shop.choose('home-banner', context);
  await shop.reward('home-banner', decision.variant, 1);
  const row = document.querySelector('shopwindow-recs') as ShopwindowRecs | null;
  return `${preview.items.length} ${list.items.length} ${loading} ${campaigns.loaded} ${row?.dataset.state}`;
}

/** The wasm classes used directly: a decision completed across the two modules. */
export async function direct(bytes: Uint8Array, definitions: string): Promise<string> {
  await initEngine();
  await initCampaigns();
  const engine = new Recommender(bytes);
  const campaigns = new Campaigns(definitions, undefined);
  const history = [{ itemId: 'sku-1', type: 'view' as const, timestamp: Date.now() }];
  const request: StandingRequest | undefined = campaigns.standingRequest('home-banner', { page: 'home' });
  const standing: ShopperStanding | undefined = request && engine.shopperStanding(history, { now: Date.now() }, request);
  return campaigns.choose('home-banner', { page: 'home' }, standing).variant;
}

/** The WebGPU module used directly, after reading from the header whether to load it. */
export async function onGpu(bytes: Uint8Array): Promise<string> {
  await initEngine();
  const engine = new Recommender(bytes);
  if (!triesGpu(bytes, 'auto')) return engine.backend;
  await initGpu();
  const gpu = await GpuRecommender.create(engine, { backend: 'auto' });
  gpu.onfallback = (status) => console.warn(status.reason);
  const list = await gpu.recommendAsync([], { k: 4 });
  const similar = await gpu.similarAsync(list.items[0].id, { k: 3 });
  return `${gpu.backendStatus.reason} ${list.items.length} ${similar.items.length}`;
}
