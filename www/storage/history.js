/**
 * The shopper's history, kept on this device only.
 *
 * IndexedDB holds it across reloads; an in-memory copy serves every read (recommendations
 * never wait on disk). Tabs of the same shop share it: each write is announced on a
 * BroadcastChannel and the other tabs re-read. When IndexedDB is missing or fails (private
 * mode, quota, blocked by the browser) the store keeps working in memory and says so in
 * `mode` / `error`: the shop works, the history just does not outlive the tab.
 */

import { deleteDatabase, openDatabase, promisify, transaction } from './idb.js';
import {
  CAMPAIGNS,
  EVENTS,
  EVENT_TYPES,
  MAX_ID_LENGTH,
  MAX_POLICY_STATE,
  META,
  POLICY_KEY,
  VERSION,
  policyStateProblem,
  problemWith,
  upgrade,
} from './schema.js';

/** Events kept per shopper; past it the oldest are pruned. Enough for months of browsing,
 *  small enough that reading all of it on start takes a few milliseconds. */
export const DEFAULT_CAP = 1000;

/**
 * @typedef {{itemId: string, type: 'view' | 'cart' | 'purchase', timestamp: number}} HistoryEvent
 */

/** The page's IndexedDB, or null where reading it throws (some browsers block it that way). */
function defaultFactory() {
  try {
    return globalThis.indexedDB ?? null;
  } catch {
    return null;
  }
}

export class HistoryStore extends EventTarget {
  /**
   * @param {{name?: string, cap?: number, indexedDB?: IDBFactory | null}} [options]
   */
  static async open({ name = 'shopwindow', cap = DEFAULT_CAP, indexedDB = defaultFactory() } = {}) {
    const store = new HistoryStore(name, cap, indexedDB ?? null);
    await store.#load();
    store.#listen();
    return store;
  }

  constructor(name, cap, factory) {
    super();
    if (!(Number.isInteger(cap) && cap > 0)) throw new RangeError(`history cap must be a positive integer, got ${cap}`);
    this.name = name;
    this.cap = cap;
    this.factory = factory;
    /** 'indexeddb' while history is saved on the device, 'memory' when it only lives in this tab. */
    this.mode = 'indexeddb';
    /** Why the store is in memory mode, or null. */
    this.error = null;
    /** Stored records that were unreadable and skipped: `{key, reason}`. */
    this.skipped = [];
    /** @type {HistoryEvent[]} oldest first */
    this.cache = [];
    /** @type {IDBDatabase | null} */
    this.db = null;
    this.channel = null;
    /** The campaign policies' state (JSON text from the engine), or null before any. */
    this.policy = null;
    /** The last thing that happened to the stored data that the page should know (site
     *  data cleared and restored, say), or null. */
    this.notice = null;
  }

  /** The browser closed our connection itself (site data cleared, disk gone): not an erase
   *  by a tab of the shop (that closes on `versionchange` and announces itself). */
  #closedByBrowser = false;
  /** How many times this tab wrote its memory back into a wiped database. */
  #restorations = 0;
  /** @type {Promise<IDBDatabase> | null} the connection being opened */
  #connecting = null;

  /** The stored campaign policy state, or null. */
  policyState() {
    return this.policy;
  }

  /**
   * Keeps the campaign policies' state (the engine's JSON text) with the history: on disk
   * in IndexedDB mode, in memory otherwise.
   * @param {string} text
   */
  async savePolicyState(text) {
    const problem = policyStateProblem(text);
    if (problem) throw new RangeError(`${problem} (at most ${MAX_POLICY_STATE} characters)`);
    this.policy = text;
    if (this.mode !== 'indexeddb') return;
    try {
      const restorations = this.#restorations;
      const db = await this.#connection();
      if (this.#restorations !== restorations) return; // the restore wrote it
      await transaction(db, CAMPAIGNS, 'readwrite', (tx) => {
        tx.objectStore(CAMPAIGNS).put(text, POLICY_KEY);
      });
    } catch (error) {
      if (!this.#closedByBrowser) this.#fallBack(`saving to IndexedDB failed: ${describe(error)}`);
    }
  }

  /**
   * The policy state as saved by any tab of the shop: re-read from IndexedDB (where the
   * history is saved there), so a change another tab made is seen. A database that no
   * longer exists was erased (here or in another tab): there is no state, and reading does
   * not create the database again.
   */
  async latestPolicyState() {
    if (this.mode === 'indexeddb') {
      try {
        // A database the browser wiped under us is restored on the next connection below;
        // one that is gone otherwise was erased.
        if (!this.db && !this.#closedByBrowser && !(await this.#databaseExists())) {
          this.policy = null;
          return null;
        }
        const db = await this.#connection();
        const stored = await transaction(db, CAMPAIGNS, 'readonly', (tx) => promisify(tx.objectStore(CAMPAIGNS).get(POLICY_KEY)));
        this.policy = stored === undefined || policyStateProblem(stored) ? null : stored;
      } catch (error) {
        this.#fallBack(`IndexedDB could not be read: ${describe(error)}`);
      }
    }
    return this.policy;
  }

  /**
   * Reads the latest policy state, lets `step` act on it and saves the state `step` returns,
   * holding a Web Lock across the three where the browser has them, so that tabs of the shop
   * take turns instead of overwriting each other's changes.
   * @template T
   * @param {(latest: string | null) => Promise<{value: T, state: string}>} step
   * @returns {Promise<T>}
   */
  async updatePolicyState(step) {
    const run = async () => {
      const { value, state } = await step(await this.latestPolicyState());
      await this.savePolicyState(state);
      return value;
    };
    const locks = globalThis.navigator?.locks;
    return locks ? locks.request(`shopwindow-policy:${this.name}`, run) : run();
  }

  /** The events, oldest first (a copy). */
  events() {
    return this.cache.map((e) => ({ ...e }));
  }

  get size() {
    return this.cache.length;
  }

  /**
   * Appends one event (validated), pruning the oldest past the cap.
   * @param {{itemId: string, type: string, timestamp?: number}} input
   */
  async add(input) {
    const event = {
      itemId: input.itemId,
      type: input.type,
      timestamp: input.timestamp ?? Date.now(),
    };
    const problem = problemWith(event);
    if (problem) {
      throw new TypeError(
        `invalid history event (${problem}): expected {itemId: non-empty string of at most ${MAX_ID_LENGTH} characters, ` +
          `type: ${EVENT_TYPES.map((t) => `'${t}'`).join(' | ')}, timestamp?: ms since epoch}`,
      );
    }
    this.cache.push(event);
    if (this.cache.length > this.cap) this.cache.splice(0, this.cache.length - this.cap);
    if (this.mode === 'indexeddb') {
      try {
        await this.#write(event);
      } catch (error) {
        // While the browser is wiping the database the reconnection writes this back.
        if (!this.#closedByBrowser) this.#fallBack(`saving to IndexedDB failed: ${describe(error)}`);
      }
    }
    this.#announce({ kind: 'add', event });
    this.#changed('add');
    return { ...event };
  }

  /** Deletes everything this store ever kept on the device, in every tab. */
  async erase() {
    this.cache = [];
    this.skipped = [];
    this.policy = null;
    this.#closedByBrowser = false;
    if (this.factory) {
      this.db?.close();
      this.db = null;
      // Deleting the database (not just clearing it) leaves no trace, not even its name.
      // Other tabs close their connection on `versionchange`, which lets this proceed. In
      // memory mode earlier writes may still be on disk, so it is attempted there too.
      try {
        await deleteDatabase(this.factory, this.name);
      } catch (error) {
        if (this.mode === 'indexeddb') throw error;
      }
    }
    this.#announce({ kind: 'erase' });
    this.#changed('erase');
  }

  /** Stops listening to other tabs and closes the database. */
  close() {
    this.channel?.close();
    this.channel = null;
    this.db?.close();
    this.db = null;
  }

  /** Whether the database exists (true where the browser cannot list databases). */
  async #databaseExists() {
    if (typeof this.factory.databases !== 'function') return true;
    const databases = await this.factory.databases();
    return databases.some((d) => d.name === this.name);
  }

  /** The open connection; callers that arrive while it opens share the one opening (and
   *  the restore it may do), so nothing is written twice. */
  #connection() {
    if (this.db) return Promise.resolve(this.db);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async #connect() {
    let created = false;
    const db = await openDatabase(this.factory, this.name, VERSION, (db, oldVersion, tx) => {
      created = oldVersion === 0;
      upgrade(db, oldVersion, tx);
    });
    // Another tab wants to upgrade or delete the database: step aside; the next write
    // reopens it.
    db.onversionchange = () => {
      db.close();
      if (this.db === db) this.db = null;
    };
    // Only the browser fires `close` (site data cleared, the disk failing): reconnect at
    // once, so that what this tab holds goes back on disk before the page is closed.
    db.onclose = () => {
      if (this.db !== db) return;
      this.db = null;
      this.#closedByBrowser = true;
      this.#reopen();
    };
    this.db = db;
    if (this.#closedByBrowser && created) await this.#restore(db);
    this.#closedByBrowser = false;
    return db;
  }

  /** Reconnects after the browser closed the database. The browser may still be deleting
   *  it (an open then fails with "The connection was closed"): a few tries, spaced out. */
  async #reopen() {
    let failure;
    for (const waitMs of [0, 100, 500, 2000]) {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      if (this.db || this.mode !== 'indexeddb') return;
      try {
        await this.#connection();
        return;
      } catch (error) {
        failure = error;
      }
    }
    this.#fallBack(`IndexedDB could not be reopened: ${describe(failure)}`);
  }

  /** Writes what this tab holds (events, policy state) into a database the browser wiped
   *  while the shop was open, and says so. */
  async #restore(db) {
    const events = this.cache.map((e) => ({ ...e }));
    const policy = this.policy;
    await transaction(db, [EVENTS, CAMPAIGNS], 'readwrite', (tx) => {
      const store = tx.objectStore(EVENTS);
      for (const event of events) store.add(event);
      if (policy !== null) tx.objectStore(CAMPAIGNS).put(policy, POLICY_KEY);
    });
    this.#restorations++;
    this.notice =
      `the browser deleted the stored history while the shop was open (site data cleared); ` +
      `${events.length} event(s)${policy !== null ? ' and the campaign state' : ''} were written back from this tab`;
    this.dispatchEvent(new CustomEvent('storage', { detail: { mode: this.mode, error: this.error, notice: this.notice } }));
  }

  async #load() {
    if (!this.factory) {
      this.#fallBack('IndexedDB is not available in this browser');
      return;
    }
    try {
      await this.#read();
    } catch (error) {
      this.#fallBack(`IndexedDB could not be opened: ${describe(error)}`);
    }
  }

  /** Re-reads the log from disk, skipping (and reporting) records that are not events. */
  async #read() {
    const db = await this.#connection();
    const events = [];
    const skipped = [];
    let policy = null;
    await transaction(db, [EVENTS, CAMPAIGNS], 'readonly', (tx) => {
      const stored = tx.objectStore(CAMPAIGNS).get(POLICY_KEY);
      stored.onsuccess = () => {
        if (stored.result === undefined) return;
        const problem = policyStateProblem(stored.result);
        if (problem) skipped.push({ key: POLICY_KEY, reason: problem });
        else policy = stored.result;
      };
      return new Promise((resolve, reject) => {
        const request = tx.objectStore(EVENTS).openCursor();
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const cursor = request.result;
          if (!cursor) return resolve();
          const problem = problemWith(cursor.value);
          if (problem) skipped.push({ key: cursor.key, reason: problem });
          else events.push({ itemId: cursor.value.itemId, type: cursor.value.type, timestamp: cursor.value.timestamp });
          cursor.continue();
        };
      });
    });
    this.cache = events.slice(-this.cap);
    this.skipped = skipped;
    this.policy = policy;
  }

  async #write(event) {
    const restorations = this.#restorations;
    const db = await this.#connection();
    if (this.#restorations !== restorations) return; // the restore wrote it with the rest
    await transaction(db, [EVENTS, META], 'readwrite', async (tx) => {
      const events = tx.objectStore(EVENTS);
      events.add(event);
      const count = await promisify(events.count());
      if (count <= this.cap) return;
      // Keys grow with insertion, so the first keys are the oldest events.
      const excess = count - this.cap;
      const keys = await promisify(events.getAllKeys(null, excess));
      events.delete(IDBKeyRange.bound(keys[0], keys[keys.length - 1]));
      const meta = tx.objectStore(META);
      const pruned = (await promisify(meta.get('pruned'))) ?? 0;
      meta.put(pruned + excess, 'pruned');
    });
  }

  #fallBack(reason) {
    if (this.mode === 'memory') return; // already said, with the first reason
    this.mode = 'memory';
    this.error = reason;
    const db = this.db;
    this.db = null;
    db?.close();
    this.dispatchEvent(new CustomEvent('storage', { detail: { mode: this.mode, error: reason, notice: this.notice } }));
  }

  #listen() {
    if (typeof BroadcastChannel === 'undefined') return;
    this.channel = new BroadcastChannel(`shopwindow-history:${this.name}`);
    this.channel.onmessage = async ({ data }) => {
      if (data?.kind === 'erase') {
        this.cache = [];
        this.skipped = [];
        this.policy = null;
      } else if (data?.kind === 'add') {
        if (this.mode === 'indexeddb') {
          // The writer's transaction has committed before it announced: disk is the truth.
          try {
            await this.#read();
          } catch (error) {
            this.#fallBack(`IndexedDB could not be read: ${describe(error)}`);
          }
        } else if (!problemWith(data.event)) {
          this.cache.push(data.event);
          if (this.cache.length > this.cap) this.cache.splice(0, this.cache.length - this.cap);
        }
      } else {
        return;
      }
      this.#changed('remote');
    };
  }

  #announce(message) {
    this.channel?.postMessage(message);
  }

  #changed(reason) {
    this.dispatchEvent(new CustomEvent('change', { detail: { reason, size: this.cache.length } }));
  }
}

/** An IndexedDB failure as a reason people can act on: a full disk says so by name. */
function describe(error) {
  const message = error?.message ?? String(error);
  return error?.name === 'QuotaExceededError' ? `out of storage space (QuotaExceededError: ${message})` : message;
}
