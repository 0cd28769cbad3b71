/**
 * The package as a shop gets it: `npm pack` (what `files` ships, README and licences
 * included), installed into a tiny app (tests/bundlers/app) from the tarball, built with
 * Vite and with webpack 5, served as static files and run in headless Chromium in worker
 * and page modes; and the same app on the Vite dev server as the package README sets it up.
 *
 * The bundlers come from tests/bundlers/package-lock.json, installed by `cargo xtask setup`
 * (`npm ci`); without them the test is skipped, except under CI. The tarball is packed
 * with `--ignore-scripts`: www/pkg is already built here (`prepack` builds it from a clean
 * checkout, checked below as a script, not rerun).
 */

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { WWW, launch } from './helpers.js';

const HERE = join(WWW, 'tests/bundlers');
const APP = join(HERE, 'app');
const BIN = {
  vite: join(HERE, 'node_modules/vite/bin/vite.js'),
  webpack: join(HERE, 'node_modules/webpack-cli/bin/cli.js'),
};
const installed = existsSync(BIN.vite) && existsSync(BIN.webpack);
if (!installed && process.env.CI) throw new Error('tests/bundlers/node_modules is missing: `cargo xtask setup` installs it');

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'";
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.safetensors': 'application/octet-stream', '.svg': 'image/svg+xml' };

/** Serves `root` (and the demo catalog at /catalog.safetensors, its card images under /img/)
 *  with the strict CSP. */
function serve(root) {
  const images = join(WWW, 'demo/img');
  const server = createServer((request, response) => {
    const path = new URL(request.url, 'http://x').pathname;
    const file =
      path === '/catalog.safetensors'
        ? join(WWW, 'demo/catalog.safetensors')
        : path.startsWith('/img/')
          ? normalize(join(images, path.slice('/img/'.length)))
          : normalize(join(root, path === '/' ? 'index.html' : path));
    const allowed = file === join(WWW, 'demo/catalog.safetensors') || file.startsWith(root + sep) || file.startsWith(images + sep);
    if (!allowed || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP });
    response.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A port nothing listens on now. */
function freePort() {
  return new Promise((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Resolves once `child` has printed `address` on stdout; rejects with what it printed if it
 * exits first or `ms` pass, so a dev server that never comes up fails the test, not the run.
 */
function listening(child, address, ms) {
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (why) => {
      clearTimeout(timer);
      reject(new Error(`${why}; it printed:\n${output}`));
    };
    const timer = setTimeout(() => fail(`no ${address} within ${ms} ms`), ms);
    child.stdout.on('data', (chunk) => {
      output += String(chunk).replace(/\x1b\[[0-9;]*m/g, '');
      if (output.includes(address)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => fail(`the dev server exited (${code}) before printing ${address}`));
  });
}

const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the packed package in bundled apps', { skip: !installed && 'bundlers not installed (cargo xtask setup)' }, () => {
  let browser;
  let files;
  before(async () => {
    rmSync(join(APP, 'node_modules'), { recursive: true, force: true });
    const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', HERE], WWW));
    files = packed[0].files.map((f) => f.path);
    writeFileSync(join(HERE, 'shopwindow.tgz'), readFileSync(join(HERE, packed[0].filename)));
    rmSync(join(HERE, packed[0].filename));
    // From the tarball only: nothing is fetched.
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock'], APP);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  test('npm pack ships the built package, its README, licences and metadata', () => {
    for (const file of ['package.json', 'README.md', 'LICENSE-MIT', 'LICENSE-APACHE', 'index.js', 'index.d.ts', 'worker.js', 'element.js', 'element.d.ts', 'pkg/shopwindow.js', 'pkg/shopwindow_bg.wasm', 'pkg/shopwindow_gpu.js', 'pkg/shopwindow_gpu_bg.wasm', 'pkg/shopwindow_campaigns.js', 'pkg/shopwindow_campaigns_bg.wasm', 'pkg/shopwindow_interests.js', 'pkg/shopwindow_interests_bg.wasm']) {
      assert.ok(files.includes(file), `${file} is not in the tarball: ${files.join(', ')}`);
    }
    assert.ok(!files.some((f) => f.startsWith('tests/') || f.startsWith('demo/')), files.join(', '));
    const manifest = JSON.parse(readFileSync(join(WWW, 'package.json'), 'utf8'));
    assert.equal(manifest.scripts.prepack, 'cargo xtask build', 'npm pack on a clean checkout builds pkg/');
    assert.equal(manifest.engines, undefined, 'the library runs in browsers: no Node.js engine requirement');
    assert.equal(manifest.license, 'MIT OR Apache-2.0');
    for (const licence of ['LICENSE-MIT', 'LICENSE-APACHE']) {
      assert.equal(readFileSync(join(WWW, licence), 'utf8'), readFileSync(join(WWW, '..', licence), 'utf8'), `www/${licence} is the repository's`);
    }
  });

  const builds = {
    vite: { build: () => run('node', [BIN.vite, 'build'], APP), dist: join(APP, 'dist-vite') },
    webpack: {
      build: () => {
        run('node', [BIN.webpack, '--config', 'webpack.config.js'], APP);
        mkdirSync(join(APP, 'dist-webpack'), { recursive: true });
        writeFileSync(
          join(APP, 'dist-webpack/index.html'),
          readFileSync(join(APP, 'index.html'), 'utf8').replace('<script type="module" src="/src/main.js">', '<script src="/main.js">'),
        );
      },
      dist: join(APP, 'dist-webpack'),
    },
  };
  /** The app at `origin` recommends in worker and page modes, with no failed request. */
  async function recommendsAt(origin) {
    const context = await browser.newContext();
    try {
      for (const worker of [true, false]) {
        const page = await context.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(e.message));
        // Every failed request by URL (the browser's own favicon request is not the app's).
        page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && errors.push(`${r.status()} ${r.url()}`));
        page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
        await page.goto(`${origin}/${worker ? '' : '?worker=0'}`);
        await page.waitForFunction(() => window.smoke, null, { timeout: 60_000 });
        const smoke = await page.evaluate(() => window.smoke);
        assert.ok(smoke.ok, smoke.error);
        assert.equal(smoke.worker, worker, `worker mode (${smoke.workerError})`);
        assert.equal(smoke.strategy, 'personalized');
        assert.equal(smoke.items, 5);
        assert.equal(smoke.campaigns, 'loaded');
        assert.ok(['a', 'b'].includes(smoke.variant), smoke.variant);
        // The WebGPU engine chunk loaded and ranked as the engine did (on SwiftShader, or on
        // the CPU saying why: a chunk the bundler lost would say it could not be loaded).
        assert.ok(smoke.gpu.same, JSON.stringify(smoke.gpu));
        assert.ok(smoke.gpu.backend === 'webgpu' || !/could not load/.test(smoke.gpu.error), JSON.stringify(smoke.gpu));
        // The bundle kept the element's module (`sideEffects`) and reached it through `exports`.
        await page.waitForFunction(() => ['ready', 'error'].includes(document.querySelector('shopwindow-recs').dataset.state), null, { timeout: 60_000 });
        assert.equal(await page.locator('shopwindow-recs li[data-item-id] a[href]').count(), 3);
        assert.deepEqual(errors, []);
        await page.close();
      }
    } finally {
      await context.close();
    }
  }

  for (const [name, { build, dist }] of Object.entries(builds)) {
    test(`${name}: the bundled app recommends in worker and page modes under the strict CSP`, async () => {
      build();
      const server = await serve(dist);
      try {
        await recommendsAt(`http://127.0.0.1:${server.address().port}`);
      } finally {
        server.close();
      }
    });
  }

  test('the Vite dev server, set up as the package README says, serves a working app', async () => {
    const catalog = join(APP, 'public/catalog.safetensors');
    mkdirSync(join(APP, 'public'), { recursive: true });
    copyFileSync(join(WWW, 'demo/catalog.safetensors'), catalog);
    cpSync(join(WWW, 'demo/img'), join(APP, 'public/img'), { recursive: true }); // the element's card images
    rmSync(join(APP, 'node_modules/.vite'), { recursive: true, force: true });
    const port = await freePort();
    // Vite colours its banner when CI is set (the port in bold, inside escape codes), so
    // colour is switched off and any escape codes are stripped before looking for the URL.
    const dev = spawn('node', [BIN.vite, '--config', 'vite.dev.config.js', '--port', String(port), '--strictPort'], {
      cwd: APP,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await listening(dev, `127.0.0.1:${port}`, 60_000);
      await recommendsAt(`http://127.0.0.1:${port}`);
    } finally {
      dev.kill();
      rmSync(catalog, { force: true });
      rmSync(join(APP, 'public/img'), { recursive: true, force: true });
    }
  });
});
