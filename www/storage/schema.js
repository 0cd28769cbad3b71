/**
 * The on-device history database, and how each version of its layout becomes the next.
 *
 * `MIGRATIONS[v]` upgrades a database at version v to v + 1, so a browser that last saw any
 * older version runs exactly the steps it is missing, in order, inside IndexedDB's upgrade
 * transaction (all or nothing). Never edit a shipped step: add one.
 */

export const EVENTS = 'events';
export const META = 'meta';
/** Campaign policy state: one record, key `POLICY_KEY`, the engine's JSON text. */
export const CAMPAIGNS = 'campaigns';
export const POLICY_KEY = 'policy';

/** @type {((db: IDBDatabase, tx: IDBTransaction) => void)[]} */
export const MIGRATIONS = [
  // v0 → v1: the event log, in insertion order (auto-increment key = oldest first).
  (db) => {
    db.createObjectStore(EVENTS, { autoIncrement: true });
  },
  // v1 → v2: a small key/value store for facts about the log itself (when it was started,
  // how many events were pruned), where later per-shopper state (segments, bandit
  // counters) goes too, without another change to the event records.
  (db) => {
    const meta = db.createObjectStore(META);
    meta.put(Date.now(), 'createdAt');
    meta.put(0, 'pruned');
  },
  // v2 → v3: what the campaign policies learned on this device (bounded by the campaign
  // definitions; see `MAX_POLICY_STATE`), in its own store so the event log is untouched.
  (db) => {
    db.createObjectStore(CAMPAIGNS);
  },
];

export const VERSION = MIGRATIONS.length;

/** Runs the steps from `oldVersion` up to VERSION. */
export function upgrade(db, oldVersion, tx) {
  for (let v = oldVersion; v < VERSION; v++) MIGRATIONS[v](db, tx);
}

/** The event types the engine understands. */
export const EVENT_TYPES = ['view', 'cart', 'purchase'];

/** Longest item id we accept; catalog ids are short, anything longer is not one of ours. */
export const MAX_ID_LENGTH = 256;

/** Largest policy state stored, in characters. The engine refuses campaign definitions
 *  whose state would exceed 16,384 numbers (at most ~25 characters each in JSON, ~410 KB),
 *  which also bounds the variant ids it repeats (8,192 of at most 64 bytes), so this is a
 *  backstop against a corrupt engine state filling the disk, never reached in use. */
export const MAX_POLICY_STATE = 1024 * 1024;

/** Checks a stored policy state; returns why it is unusable, or null. */
export function policyStateProblem(value) {
  if (typeof value !== 'string') return 'policy state is not text';
  if (value.length > MAX_POLICY_STATE) return 'policy state is too large';
  return null;
}

/**
 * Checks a stored record; returns the reason it is unusable, or null when it is fine.
 * Records can be damaged by other code on the same origin, extensions or disk errors, and
 * one bad record must not stop the shop from working.
 */
export function problemWith(record) {
  if (record === null || typeof record !== 'object') return 'not an object';
  const { itemId, type, timestamp } = record;
  if (typeof itemId !== 'string' || itemId.length === 0 || itemId.length > MAX_ID_LENGTH) return 'bad itemId';
  if (!EVENT_TYPES.includes(type)) return 'bad type';
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return 'bad timestamp';
  return null;
}
