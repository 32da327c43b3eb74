// Offline scan queue in IndexedDB: survives reloads and browser restarts.
const DB = 'tracetrack', STORE = 'scan_queue';
function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'seq', autoIncrement: true });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}
function run(mode, fn) {
  return open().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = fn(tx.objectStore(STORE));
    tx.oncomplete = () => { db.close(); resolve(req ? req.result : undefined); };
    tx.onerror = () => { db.close(); reject(tx.error); };
  }));
}
export function queuePush(json) { return run('readwrite', (s) => s.add(JSON.parse(json))).then(() => undefined); }
export function queueAll() { return run('readonly', (s) => s.getAll()).then((rows) => JSON.stringify(rows)); }
export function queueRemove(seqs) { return run('readwrite', (s) => { for (const k of JSON.parse(seqs)) s.delete(k); return null; }); }
