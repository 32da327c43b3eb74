// Writes `.gz` (zopfli: gzip-compatible, ~5% smaller than gzip -9) and `.br`
// (brotli 11) next to each text and wasm asset of the built web app, for the
// server to send as-is, and prints what a first visit downloads.
// Usage: node tools/precompress.mjs frontend/dist
import { readdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { brotliCompressSync, constants } from "node:zlib";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { gzipAsync } = require("@gfx/zopfli");

const dir = process.argv[2];
const compressible = /\.(wasm|js|mjs|css|html|svg|webmanifest|json)$/;
// What the first page needs: index.html (the floor build; office.html is only
// sent for office pages), the wasm, JS glue and CSS it names, and the snippets the
// glue imports (the service worker and icons come after the page is up).
const index = readFileSync(join(dir, "index.html"), "utf8");
const named = (text) => [...text.matchAll(/\/((?:snippets\/)?[\w./-]+\.(?:wasm|js|css))/g)].map((m) => m[1]);
const firstLoad = new Set(["index.html", ...named(index)]);
for (const js of [...firstLoad].filter((f) => f.endsWith(".js"))) {
  for (const f of named(readFileSync(join(dir, js), "utf8"))) firstLoad.add(f);
}
firstLoad.delete("register-sw.js");
firstLoad.delete("sw.js");

function walk(d) {
  return readdirSync(d).flatMap((name) => {
    const path = join(d, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

let gzTotal = 0;
let brTotal = 0;
for (const path of walk(dir).filter((p) => compressible.test(p))) {
  const raw = readFileSync(path);
  const gz = Buffer.from(await gzipAsync(raw, { numiterations: 15 }));
  const br = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  writeFileSync(`${path}.gz`, gz);
  writeFileSync(`${path}.br`, br);
  if (firstLoad.has(relative(dir, path))) {
    gzTotal += gz.length;
    brTotal += br.length;
    console.log(`  ${path.padEnd(52)} ${String(raw.length).padStart(8)} bytes, ${String(gz.length).padStart(7)} gzip, ${String(br.length).padStart(7)} br`);
  }
}
console.log(
  `web app first load as served: ${gzTotal} bytes gzip (${Math.round(gzTotal / 1024)} KB; goal <= 400 KB), ` +
    `${brTotal} bytes brotli (${Math.round(brTotal / 1024)} KB)`,
);
