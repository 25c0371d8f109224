// The planner as the stories run it: `doorstep-planner demo` seeds a tenant into a SQLite file,
// `serve` answers on a port of its own; the dispatcher API is read with the demo's token.
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { config } from "./app.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A port nobody listens on right now (the planner must come back on the same one). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export class Planner {
  /** env: variables added to the planner's environment (e.g. TZ, for its "today" and local times). */
  constructor(dbPath, port, { env = {} } = {}) {
    this.env = { ...process.env, ...env };
    this.db = `sqlite://${dbPath}`;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.child = null;
    this.log = "";
  }

  /** `doorstep-planner demo --json`: the demo tenant, its users' one-time codes
   * (couriers with their routes, the sales reps), a dispatcher token. */
  seed() {
    return JSON.parse(
      execFileSync(config.plannerBin, ["demo", "--db", this.db, "--json"], {
        encoding: "utf8",
        timeout: 60_000,
        env: this.env,
      }),
    );
  }

  /** Starts `serve` and waits for "listening on" and a healthy /healthz. Retries a busy port briefly. */
  async start() {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startOnce();
      } catch (e) {
        if (attempt >= 5 || !/cannot listen/.test(e.message)) throw e;
        await sleep(500);
      }
    }
  }

  startOnce() {
    const child = spawn(config.plannerBin, ["serve", "--db", this.db, "--addr", `127.0.0.1:${this.port}`], {
      stdio: ["ignore", "pipe", "pipe"],
      env: this.env,
    });
    this.child = child;
    let out = "";
    const collect = (d) => {
      const text = String(d).replace(/\x1b\[[0-9;]*m/g, ""); // tracing's colours
      out += text;
      this.log += text;
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the planner did not start within 30 s: ${out}`)), 30_000);
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        if (this.child === child) this.child = null;
        reject(new Error(`the planner exited (${code ?? signal}) before listening: ${out.trim()}`));
      });
      let listening = false;
      child.stdout.on("data", async () => {
        if (listening || !/listening on http:\/\//.test(out)) return;
        listening = true;
        clearTimeout(timer);
        try {
          const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
          if (!res.ok) throw new Error(`/healthz answered ${res.status}`);
          resolve();
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  /** Stops the process (TERM, then KILL after 5 s) and waits until its port refuses connections. */
  async stop() {
    const child = this.child;
    if (!child) return;
    this.child = null;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
    for (let i = 0; i < 50; i++) {
      try {
        await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      } catch {
        return;
      }
      await sleep(100);
    }
    throw new Error(`something still answers at ${this.url} after the planner stopped`);
  }

  /** The dispatcher API, as dispatch's tools call it. */
  async api(path, token, { binary = false } = {}) {
    const res = await fetch(`${this.url}${path}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new Error(`GET ${path} → ${res.status}: ${await res.text()}`);
    return binary ? Buffer.from(await res.arrayBuffer()) : res.json();
  }
}
