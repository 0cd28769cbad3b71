/**
 * A few promise helpers over IndexedDB's event API: just what the history store needs,
 * so the package has no runtime dependency.
 */

/** @template T @param {IDBRequest<T>} request @returns {Promise<T>} */
export function promisify(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Opens (creating or upgrading) a database.
 * @param {IDBFactory} factory
 * @param {string} name
 * @param {number} version
 * @param {(db: IDBDatabase, oldVersion: number, tx: IDBTransaction) => void} upgrade
 * @param {number} timeoutMs  some private modes never answer `open`; treat that as failure
 * @returns {Promise<IDBDatabase>}
 */
export function openDatabase(factory, name, version, upgrade, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    // Once the wait is over, nobody holds what `open` produces later: a late upgrade is
    // aborted (nothing half-made stays on disk) and a late connection is closed at once,
    // so it can never block another tab's upgrade or `erase()`.
    let gaveUp = false;
    const timer = setTimeout(() => {
      gaveUp = true;
      reject(new Error(`IndexedDB did not open within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (fn, value) => {
      clearTimeout(timer);
      fn(value);
    };
    let request;
    try {
      request = factory.open(name, version);
    } catch (error) {
      done(reject, error); // e.g. SecurityError on opaque origins
      return;
    }
    request.onupgradeneeded = (event) => {
      if (gaveUp) {
        request.transaction?.abort();
        return;
      }
      upgrade(request.result, event.oldVersion, request.transaction);
    };
    request.onsuccess = () => {
      const db = request.result;
      if (gaveUp) {
        db.close();
        return;
      }
      // Until the caller installs its own: never be the connection that blocks another
      // tab's upgrade or delete.
      db.onversionchange = () => db.close();
      done(resolve, db);
    };
    request.onerror = (event) => {
      // A late failure (e.g. the upgrade aborted above) is nobody's error any more.
      if (gaveUp) {
        event?.preventDefault?.();
        return;
      }
      done(reject, request.error);
    };
    // Another tab holds an older version open and has not closed it yet: keep waiting (it
    // closes on `versionchange`), the timeout above bounds the wait.
    request.onblocked = () => {};
  });
}

/**
 * Runs `body` in a transaction and resolves with its return value once the transaction has
 * committed (not merely when the last request succeeded: only commit means "on disk").
 * @template T
 * @param {IDBDatabase} db
 * @param {string | string[]} stores
 * @param {IDBTransactionMode} mode
 * @param {(tx: IDBTransaction) => T | Promise<T>} body
 * @returns {Promise<T>}
 */
export function transaction(db, stores, mode, body) {
  return new Promise((resolve, reject) => {
    let tx;
    try {
      tx = db.transaction(stores, mode);
    } catch (error) {
      reject(error); // e.g. InvalidStateError once the connection is closing
      return;
    }
    let value;
    tx.oncomplete = () => resolve(value);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    Promise.resolve(body(tx)).then(
      (v) => {
        value = v;
      },
      (error) => {
        try {
          tx.abort();
        } catch {
          // already finished
        }
        reject(error);
      },
    );
  });
}

/** Deletes a database; resolves once it is gone. */
export function deleteDatabase(factory, name) {
  return promisify(factory.deleteDatabase(name));
}
