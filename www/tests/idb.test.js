/**
 * `openDatabase` against a scripted IndexedDB: what happens when `open` answers after the
 * caller stopped waiting (some private modes and busy disks do). No browser needed.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { openDatabase } from '../storage/idb.js';

/** An `IDBFactory` whose single `open` answers only when the test says so. */
function scriptedFactory() {
  const db = { closed: false, onversionchange: null, close() { this.closed = true; } };
  const transaction = { aborted: false, abort() { this.aborted = true; } };
  const request = { result: db, transaction, error: null };
  return {
    db,
    transaction,
    factory: { open: () => request },
    upgradeLate: () => request.onupgradeneeded({ oldVersion: 0 }),
    succeedLate: () => request.onsuccess(),
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test('a connection that opens after the timeout is closed, not left blocking other tabs', async () => {
  const script = scriptedFactory();
  let upgraded = false;
  await assert.rejects(
    openDatabase(script.factory, 'shop', 3, () => (upgraded = true), 20),
    /did not open within 20 ms/,
  );
  await sleep(5);
  script.upgradeLate();
  script.succeedLate();
  assert.equal(upgraded, false, 'a late upgrade must not run the migrations');
  assert.equal(script.transaction.aborted, true, 'a late upgrade is aborted');
  assert.equal(script.db.closed, true, 'the late connection is closed at once');
});

test('a connection opened in time steps aside on versionchange until the caller decides', async () => {
  const script = scriptedFactory();
  const opening = openDatabase(script.factory, 'shop', 3, () => {}, 1000);
  script.succeedLate();
  const db = await opening;
  assert.equal(db.closed, false);
  assert.equal(typeof db.onversionchange, 'function');
  db.onversionchange();
  assert.equal(db.closed, true);
});
