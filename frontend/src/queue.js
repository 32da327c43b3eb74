// Offline scan queue in IndexedDB: survives reloads and browser restarts. Every
// scan is written here when it is captured and removed when it has its final answer.
// One shared connection: transactions are created in call order, so writes land in
// scan order and a read sees every write asked for before it.
const DB = 'tracetrack', STORE = 'scan_queue';
let conn = null;
function open() {
  if (conn) return conn;
  conn = new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'seq', autoIncrement: true });
    req.onsuccess = () => {
      const db = req.result;
      db.onversionchange = () => { db.close(); conn = null; };
      db.onclose = () => { conn = null; };
      resolve(db);
    };
    req.onerror = () => reject(req.error);
  });
  conn.catch(() => { conn = null; });
  return conn;
}
function run(mode, fn) {
  return open().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req ? req.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  }));
}
export function queuePush(json) { return run('readwrite', (s) => s.add(JSON.parse(json))).then(() => undefined); }
export function queueAll() { return run('readonly', (s) => s.getAll()).then((rows) => JSON.stringify(rows)); }
export function queueRemove(seqs) { return run('readwrite', (s) => { for (const k of JSON.parse(seqs)) s.delete(k); return null; }); }
