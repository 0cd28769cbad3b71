/**
 * Where scoring runs: in a Web Worker (the page never waits on a scan) or on the page.
 * Both are driven through `call(method, ...args)` returning a promise, so the public API is
 * asynchronous either way and an asynchronous backend (WebGPU) changes nothing for callers.
 */

/**
 * Starts loading the engine before the catalog is there: the worker (or, on the page, the
 * wasm glue) is created and begins downloading and compiling the wasm at once, so that the
 * wasm and the catalog arrive in parallel instead of one after the other. `start` then
 * hands over the catalog bytes.
 * @param {{worker: boolean, wasmUrl?: string, gpuWasmUrl?: string, interestsWasmUrl?: string,
 *   workerUrl?: string | URL}} options
 * @returns {{start: (options: {bytes: ArrayBuffer, backend?: string}) =>
 *   Promise<{engine: Engine, description: object, workerError: string | null}>, close: () => void}}
 */
export function prepareEngine({ worker, wasmUrl, gpuWasmUrl, interestsWasmUrl, workerUrl }) {
  let workerError = null;
  let engine = null;
  if (worker) {
    if (typeof Worker === 'undefined') {
      workerError = 'this browser has no Web Workers';
    } else {
      try {
        engine = new WorkerEngine(workerUrl);
      } catch (error) {
        workerError = error.message;
      }
    }
  }
  // A worker that cannot start (blocked by the page's CSP worker-src, script not found)
  // fails this first call; the engine then runs on the page. The preload goes with it, not
  // after its answer: the worker starts the wasm download on it while its own modules load.
  // Errors while loading the wasm surface in `start`, as they would on the page.
  engine?.call('preload', { wasmUrl }).catch(() => {});
  const workerReady = engine
    ? engine.call('ping').then(
        () => engine,
        (error) => {
          engine.close();
          workerError = error.message;
          return null;
        },
      )
    : Promise.resolve(null);
  // Imported only when needed, so that in worker mode the page never loads the wasm glue.
  let local = null;
  const onPage = () => (local ??= import('./host.js').then(async (module) => (await module.loadWasm(wasmUrl), module)));
  if (!engine) onPage().catch(() => {});

  return {
    async start({ bytes, backend }) {
      const ready = await workerReady;
      if (ready) {
        // Transfer, not copy: the page keeps no second copy of a large catalog. Errors from
        // here on (a corrupt catalog) would fail on the page too, so they are thrown.
        const description = await ready.call({ transfer: [bytes] }, 'init', { bytes, wasmUrl, gpuWasmUrl, interestsWasmUrl, backend }).catch((error) => {
          ready.close();
          throw error;
        });
        return { engine: ready, description, workerError };
      }
      const { Host } = await onPage();
      const pageEngine = new LocalEngine(await Host.create({ bytes, wasmUrl, gpuWasmUrl, interestsWasmUrl, backend }));
      return { engine: pageEngine, description: pageEngine.host.describe(), workerError };
    },
    close() {
      engine?.close();
    },
  };
}

/** @typedef {LocalEngine | WorkerEngine} Engine */

class LocalEngine {
  constructor(host) {
    this.host = host;
  }

  async call(method, ...args) {
    if (typeof method === 'object') [method, ...args] = args; // transfer hints: no-op here
    return this.host.call(method, args);
  }

  close() {
    this.host.recommender.free();
  }
}

class WorkerEngine {
  constructor(url) {
    // The `new URL(..., import.meta.url)` form is what bundlers (Vite, webpack 5) recognise
    // to emit the worker as its own chunk.
    this.worker = url
      ? new Worker(url, { type: 'module' })
      : new Worker(new URL('../worker.js', import.meta.url), { type: 'module' });
    this.pending = new Map();
    this.nextId = 1;
    this.worker.onmessage = ({ data }) => {
      const request = this.pending.get(data.id);
      if (!request) return;
      this.pending.delete(data.id);
      if (data.ok) request.resolve(data.result);
      else request.reject(Object.assign(new Error(data.error.message), { name: data.error.name }));
    };
    // Script load failures and uncaught errors: no reply will ever come, so fail them all.
    this.worker.onerror = (event) => {
      event.preventDefault?.();
      this.failAll(new Error(`the scoring worker failed: ${event.message || 'could not load worker.js'}`));
    };
    this.worker.onmessageerror = () => this.failAll(new Error('a message from the scoring worker could not be read'));
  }

  /**
   * @param {...any} args  method name and arguments; a leading `{transfer}` lists buffers to move
   */
  call(...args) {
    const transfer = typeof args[0] === 'object' ? args.shift().transfer : [];
    const [method, ...rest] = args;
    if (!this.worker) return Promise.reject(new Error('the recommender is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, method, args: rest }, transfer);
    });
  }

  failAll(error) {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  close() {
    this.worker?.terminate();
    this.worker = null;
    this.failAll(new Error('the recommender is closed'));
  }
}
