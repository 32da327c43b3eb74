// Service worker: keeps the app shell so a reload in a dead zone still opens the
// station. API calls always go to the network (the page queues scans itself).
const CACHE = 'tracetrack-shell-v3';
// Office pages come from the second build (office.html); only the floor build's
// page is kept as the shell. Same prefixes as tracetrack_domain::web.
const OFFICE = /^\/(bags|bills|admin|profile)(\/|$)/;
// Responses vary on Origin (CORS); a module preload sends one, the precache did not.
const MATCH = { ignoreVary: true };

async function precache() {
  const cache = await caches.open(CACHE);
  const res = await fetch('/', { cache: 'no-store' });
  const html = await res.clone().text();
  await cache.put('/', res);
  const urls = [...html.matchAll(/(?:href|src)="(\/[^"]+)"/g)].map((m) => m[1]);
  await cache.addAll([...new Set(urls)]);
}

self.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  if (req.mode === 'navigate') {
    // Pages: the network when it answers, else the cached shell (the SPA routes itself).
    event.respondWith(fetch(req).then((res) => {
      if (res.ok && !OFFICE.test(url.pathname)) {
        const copy = res.clone();
        caches.open(CACHE).then((c) => c.put('/', copy));
      }
      return res;
    }).catch(() => caches.match('/', MATCH)));
    return;
  }
  // Hashed assets: the cache first, then the network (and keep a copy).
  event.respondWith(caches.match(req, MATCH).then((hit) => hit || fetch(req).then((res) => {
    if (res.ok) {
      const copy = res.clone();
      caches.open(CACHE).then((c) => c.put(req, copy));
    }
    return res;
  })));
});
