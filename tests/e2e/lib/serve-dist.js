// Serves ui/dist at the devUrl (http://localhost:1420) for an app binary built WITHOUT
// `--features custom-protocol`, which loads the devUrl instead of its embedded UI.
// Opt-in only (scripts/e2e.sh with E2E_SERVE_DIST=1): the real check is the custom-protocol build.
// Usage: node lib/serve-dist.js <dist dir> [port]
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";

const root = resolve(process.argv[2] ?? "ui/dist");
const port = Number(process.argv[3] ?? 1420);
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  let file = normalize(join(root, path));
  if (!file.startsWith(root)) {
    res.writeHead(403).end();
    return;
  }
  if (path.endsWith("/")) file = join(file, "index.html");
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
  } catch {
    const body = await readFile(join(root, "index.html")); // single-page app
    res.writeHead(200, { "content-type": TYPES[".html"] }).end(body);
  }
}).listen(port, "127.0.0.1", () => console.log(`serving ${root} at http://localhost:${port}`));
