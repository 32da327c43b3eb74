// API helpers for test setup (through Playwright's request context).
import { base, adminPassword, apiContext } from './harness.mjs';

// Signs in on a separate request context (the page's own cookies stay untouched).
export async function token(_request, username = 'admin', password = adminPassword) {
  const request = await apiContext();
  const res = await request.post(base + '/api/v1/auth/login', { data: { username, password } });
  if (!res.ok()) throw new Error(`login ${username}: ${res.status()}`);
  const body = await res.json();
  await request.dispose();
  return body.access_token;
}

export async function api(request, tok, method, path, data) {
  const res = await request.fetch(base + path, { method, data, headers: { Authorization: `Bearer ${tok}` } });
  const text = await res.text();
  return { status: res.status(), body: text ? JSON.parse(text) : null };
}

// Unique ids per run so the specs can share one database.
let serial = Math.floor(Math.random() * 9000) + 1000;
export function parentId() { serial += 1; return `SB${String(serial).padStart(5, '0')}`; }
export function childIds(n, prefix) { return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`); }
export function tag() { return Math.random().toString(36).slice(2, 6).toUpperCase().replace(/[^A-Z0-9]/g, 'X'); }
