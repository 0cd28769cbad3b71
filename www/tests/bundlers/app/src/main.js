// What a shop's own code does: import the package by name, open it, track, recommend, and
// choose a campaign variant (the campaigns' wasm module is a chunk the bundler must emit),
// then switch to WebGPU (the engine with it is another chunk, loaded only then).
// `?worker=0` scores on the page. The answer goes to `window.smoke` for the test to read.
import { Shopwindow } from 'shopwindow';
// The drop-in element, imported for its side effect (it defines <shopwindow-recs>).
import 'shopwindow/element.js';

async function main() {
  const worker = new URLSearchParams(location.search).get('worker') !== '0';
  try {
    const campaigns = { version: 1, campaigns: [{ id: 'slot', variants: [{ id: 'a' }, { id: 'b' }], policy: { kind: 'thompson' } }] };
    const shop = await Shopwindow.open({ catalogUrl: '/catalog.safetensors', worker, storageName: `bundled-${worker}`, campaigns });
    const popular = await shop.recommend({ k: 1 });
    await shop.track({ type: 'view', itemId: popular.items[0].id });
    const personal = await shop.recommend({ k: 5 });
    const decision = await shop.choose('slot');
    const { status } = shop;
    await shop.setBackend('webgpu');
    const onGpu = await shop.recommend({ k: 5 });
    window.smoke = {
      ok: true,
      worker: status.worker,
      workerError: status.workerError,
      backend: shop.backend,
      strategy: personal.strategy,
      items: personal.items.length,
      variant: decision.variant,
      campaigns: status.campaigns.error ?? 'loaded',
      gpu: { backend: shop.backend, error: shop.status.backendError, same: onGpu.items.map((i) => i.id).join() === personal.items.map((i) => i.id).join() },
    };
  } catch (error) {
    window.smoke = { ok: false, error: String(error?.stack ?? error) };
  }
}

main();
