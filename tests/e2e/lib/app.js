// Doorstep-specific helpers for the end-to-end stories: configuration, the headless device CLI,
// screenshots, and a "courier" that drives the app and counts interactions (DESIGN.md §10:
// one per tap, typed field, signature or file chosen).
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Keys, Session } from "./webdriver.js";

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, "..", "..", "..");

export const config = {
  webdriverUrl: process.env.E2E_WEBDRIVER_URL ?? "http://127.0.0.1:4444",
  app: resolve(process.env.E2E_APP ?? join(REPO_ROOT, "target", "debug", "doorstep")),
  fieldBin: resolve(process.env.E2E_FIELD_BIN ?? join(REPO_ROOT, "target", "debug", "doorstep-field")),
  plannerBin: resolve(process.env.E2E_PLANNER_BIN ?? join(REPO_ROOT, "target", "debug", "doorstep-planner")),
  dataDir: process.env.E2E_DATA_DIR ?? "",
  screensDir: resolve(process.env.E2E_SCREENS_DIR ?? join(REPO_ROOT, "target", "e2e-screens")),
  // shared/ sits beside the repository: <repo>/../shared/testdata
  testdata: resolve(process.env.E2E_TESTDATA ?? join(REPO_ROOT, "..", "shared", "testdata")),
};

export function checkConfig() {
  const problems = [];
  if (!config.dataDir) problems.push("E2E_DATA_DIR is not set (the app's DOORSTEP_DATA_DIR, seeded with `demo`)");
  if (!existsSync(config.app)) problems.push(`app binary missing: ${config.app}`);
  if (!existsSync(config.fieldBin)) problems.push(`doorstep-field missing: ${config.fieldBin}`);
  if (!existsSync(config.testdata)) problems.push(`test data missing: ${config.testdata}`);
  if (problems.length) throw new Error("e2e configuration: " + problems.join("; "));
}

// ---------------------------------------------------------------- the headless device CLI

/** Runs doorstep-field on the app's data dir (or dataDir); parses JSON output when asked for. */
export function field(args, { json = true, dataDir = config.dataDir } = {}) {
  const out = execFileSync(config.fieldBin, ["--data-dir", dataDir, ...args], {
    encoding: "utf8",
    timeout: 30_000,
  });
  return json ? JSON.parse(out) : out;
}

/** The device store in dataDir (default: the shared seeded one), read with doorstep-field. */
export function storeAt(dataDir = config.dataDir) {
  return {
    route: () => field(["route", "--json"], { dataDir }),
    stop: (n) => field(["stop", String(n), "--json"], { dataDir }),
    status: () => field(["status", "--json"], { dataDir }),
  };
}

export const store = storeAt();

// ---------------------------------------------------------------- screenshots

let shotCounter = 0;
let shotPrefix = "";

/**
 * Removes this test file's earlier screenshots. Each file (one node process) names its own:
 * `NN-name.png` without a prefix, `<prefix>-NN-name.png` with one, so files never clear or
 * overwrite each other's.
 */
export function resetScreens(prefix = "") {
  shotPrefix = prefix ? `${prefix}-` : "";
  shotCounter = 0;
  mkdirSync(config.screensDir, { recursive: true });
  const mine = prefix ? new RegExp(`^${prefix}-\\d\\d-.*\\.png$`) : /^\d\d-.*\.png$/;
  for (const f of readdirSync(config.screensDir)) {
    if (mine.test(f)) rmSync(join(config.screensDir, f));
  }
}

/**
 * WebKitWebDriver takes a screenshot at the page's next rendering update after the request, so
 * on a page where nothing changes it waits until the command times out (60 s). Before asking, we
 * schedule a few repaints of one nearly transparent pixel in the bottom-right corner (alpha 1-2 %),
 * and remove it after.
 */
const FRAME_NUDGE = `
  let d = document.getElementById("e2e-frame");
  if (!d) {
    d = document.createElement("div");
    d.id = "e2e-frame";
    d.setAttribute("aria-hidden", "true");
    d.style.cssText = "position:fixed;right:0;bottom:0;width:1px;height:1px;pointer-events:none;z-index:2147483647;background:rgba(0,0,0,0.01)";
    document.body.appendChild(d);
  }
  for (const ms of [50, 200, 600, 1500, 4000]) {
    setTimeout(() => {
      const e = document.getElementById("e2e-frame");
      if (e) e.style.background = e.style.background === "rgba(0, 0, 0, 0.01)" ? "rgba(0, 0, 0, 0.02)" : "rgba(0, 0, 0, 0.01)";
    }, ms);
  }`;

/** Saves a PNG of the window under target/e2e-screens/[prefix-]NN-name.png and returns its path. */
export async function screenshot(session, name) {
  await session.execute(FRAME_NUDGE);
  let png;
  try {
    png = await session.screenshot();
  } finally {
    await session.execute(`document.getElementById("e2e-frame")?.remove()`).catch(() => {});
  }
  if (png.length < 8 || png.readUInt32BE(0) !== 0x89504e47) throw new Error(`screenshot ${name} is not a PNG`);
  shotCounter++;
  const path = join(config.screensDir, `${shotPrefix}${String(shotCounter).padStart(2, "0")}-${name}.png`);
  writeFileSync(path, png);
  return path;
}

/**
 * Adds a test file's measured interactions and the quirks seen to target/e2e-screens/
 * interactions.json, keeping what other files wrote in this run (e2e.sh clears it first).
 */
export function saveInteractions(measured) {
  const path = join(config.screensDir, "interactions.json");
  let prev = {};
  try {
    prev = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    /* first file of the run */
  }
  const all = {
    measured: { ...(prev.measured ?? {}), ...measured },
    quirks: [...new Set([...(prev.quirks ?? []), ...quirks])],
  };
  mkdirSync(config.screensDir, { recursive: true });
  writeFileSync(path, JSON.stringify(all, null, 2) + "\n");
}

// ---------------------------------------------------------------- session

export function capabilities(application = config.app) {
  // No browserName and no webSocketUrl: both are refused (DESIGN.md §6).
  return { alwaysMatch: { "tauri:options": { application } } };
}

/**
 * A launcher for the app on its own data dir. tauri-driver passes no environment of its own to
 * the app (every session inherits DOORSTEP_DATA_DIR from e2e.sh), so a story that needs another
 * store (e.g. an empty, un-enrolled phone) starts the app through a tiny script that sets
 * DOORSTEP_DATA_DIR (and any other variable in env, e.g. TZ) and execs the real binary (same
 * process, same arguments).
 */
export function launcherFor(dataDir, dir = dataDir, env = {}) {
  const q = (s) => `'${String(s).replaceAll("'", `'\\''`)}'`;
  const vars = { DOORSTEP_DATA_DIR: dataDir, ...env };
  const lines = Object.entries(vars).map(([k, v]) => `${k}=${q(v)}\nexport ${k}\n`);
  const path = join(dir, "doorstep-app.sh");
  writeFileSync(path, `#!/bin/sh\n${lines.join("")}exec ${q(config.app)} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Starts the app (one WebDriver session); on the shared seeded store unless dataDir is given. */
export async function startApp({ dataDir, launcherDir, env } = {}) {
  const application = dataDir ? launcherFor(dataDir, launcherDir ?? dataDir, env) : config.app;
  const session = await Session.create(config.webdriverUrl, capabilities(application));
  await session.setTimeouts({ script: 30_000, pageLoad: 60_000, implicit: 0 });
  return session;
}

// ---------------------------------------------------------------- the courier

export const tid = (id) => `[data-testid="${id}"]`;

/** Things WebKitWebDriver did differently from the spec, collected for the report. */
export const quirks = new Set();

/**
 * The fallbacks a helper may take when WebDriver does not do what a courier's hand would: each
 * sets something by script instead of through the real control, so a story that takes one
 * proves less. A story takes none unless it declared it, with its reason, at the top of its
 * file: `allowQuirk("select-by-script", "WebKitWebDriver does not change a <select> when an
 * <option> is clicked")`. Any other fallback throws, and the story fails.
 */
export const FALLBACKS = {
  "clear-by-element-clear": "a field is emptied by WebDriver's Element Clear instead of End + Backspace keys",
  "select-by-script": "a <select> is set by script and a change event instead of a click on its <option>",
  "photo-by-visible-input": "the hidden photo <input type=file> is made visible for send-keys",
  "photo-by-script": "the photo is built as a File in the page and handed to the input by script",
  "signature-by-script": "the signature is drawn by pointer events dispatched by script, not W3C pointer actions",
};

/** The fallbacks this story file declared, with why. */
const declared = new Map();

/** Declares that this story file may take the fallback `name`, and why it must. */
export function allowQuirk(name, reason) {
  if (!(name in FALLBACKS)) {
    throw new Error(`allowQuirk: no fallback is called "${name}" (known: ${Object.keys(FALLBACKS).join(", ")})`);
  }
  if (typeof reason !== "string" || reason.trim().length < 20) {
    throw new Error(`allowQuirk("${name}") needs a reason in words: why the real control cannot be used`);
  }
  declared.set(name, reason.trim());
}

/**
 * Takes the fallback `name` if this story file declared it (and records it for the report);
 * throws otherwise, naming what failed.
 */
export function takeFallback(name, what) {
  if (!declared.has(name)) {
    throw new Error(
      `undeclared WebDriver fallback "${name}" (${FALLBACKS[name]}): ${what}. ` +
        `Fix the cause, or declare it at the top of the story file with allowQuirk("${name}", "<why>")`,
    );
  }
  quirks.add(`${name}: ${what} (declared: ${declared.get(name)})`);
}

export class Courier {
  /** @param {Session} session */
  constructor(session) {
    this.session = session;
    this.interactions = 0;
    this.log = [];
  }

  startCounting() {
    this.interactions = 0;
    this.log = [];
  }

  count(what) {
    this.interactions++;
    this.log.push(what);
  }

  el(id, opts) {
    return this.session.waitForElement(tid(id), opts);
  }

  /**
   * Scrolls an element to the middle of the window, as a courier scrolls to what they tap.
   * Needed because WebKitWebDriver scrolls a click target only to the edge of the viewport,
   * where the sticky header (title + sync bar) or the sticky Save bar covers it
   * ("element click intercepted"), and pointer actions never scroll ("move target out of bounds").
   */
  async reveal(el) {
    await this.session.execute(`arguments[0].scrollIntoView({ block: "center", inline: "nearest" })`, [el]);
  }

  async text(id) {
    return (await (await this.el(id)).text()).trim();
  }

  /** One tap. */
  async tap(id) {
    await this.tapElement(await this.el(id), id);
  }

  /** One tap on what css selects (the rep's screens name some controls with data-test). */
  async tapCss(css, what = css) {
    await this.tapElement(await this.session.waitForElement(css), what);
  }

  /** One tap on an element already found; `what` names it in the log. */
  async tapElement(el, what) {
    await this.session.waitFor(() => el.isEnabled(), { message: `${what} enabled` });
    await this.reveal(el);
    await el.click();
    this.count(`tap ${what}`);
  }

  /** One typed field: replaces what the field holds with text (an empty text just clears it). */
  async type(id, text) {
    const el = await this.el(id);
    await this.reveal(el);
    await el.click(); // focus: part of typing into the field, not counted separately
    await this.clearField(el);
    if (text !== "") await el.sendKeys(text);
    this.count(`type ${id}`);
  }

  /**
   * Empties a text field with real keys (End, then Backspace per character) so the page sees
   * "input" events: Svelte's bind:value listens to "input", and WebKitWebDriver's Element Clear
   * empties the field without firing one (the component would keep the old value).
   */
  async clearField(el) {
    const current = await el.property("value");
    if (current === "" || current === null) return;
    await el.sendKeys(Keys.END + Keys.BACKSPACE.repeat(String(current).length + 2));
    let value = await el.property("value");
    if (value !== "") {
      takeFallback("clear-by-element-clear", `End + Backspace keys left ${JSON.stringify(value)} in a field`);
      await el.clear();
      value = await el.property("value");
    }
    if (value !== "") throw new Error(`could not empty the field (value still ${JSON.stringify(value)})`);
  }

  /**
   * Picks an option of a native <select>. Counted as two taps (open the list, pick the option),
   * which is what it costs on a phone. Only the <option> is clicked: clicking the <select> itself
   * opens WebKitGTK's native popup menu, which WebDriver cannot see or close, and while it stays
   * open the select keeps painting its old label (screenshots show "Choose a reason").
   */
  async choose(id, value) {
    const select = await this.el(id);
    await this.reveal(select);
    const option = await this.session.waitForElement(`${tid(id)} option[value="${value}"]`, { displayed: false });
    await option.click();
    let got = await select.property("value");
    if (got !== value) {
      takeFallback("select-by-script", `clicking <option value="${value}"> left ${id} at "${got}"`);
      await this.session.execute(
        `const s = arguments[0]; s.value = arguments[1];
         s.dispatchEvent(new Event("input", { bubbles: true }));
         s.dispatchEvent(new Event("change", { bubbles: true }));`,
        [select, value],
      );
      got = await select.property("value");
    }
    if (got !== value) throw new Error(`select ${id} shows ${got}, wanted ${value}`);
    this.count(`open ${id}`);
    this.count(`choose ${value}`);
  }

  /** One file chosen: the photo at an absolute path, through the real <input type=file>. */
  async choosePhoto(id, path, { thumbIndex = 0 } = {}) {
    const input = await this.el(id, { displayed: false });
    const thumb = tid(`photo-thumb-${thumbIndex}`);
    const attempts = [
      ["send-keys", null, () => input.sendKeys(path)],
      [
        "send-keys after making the input visible",
        "photo-by-visible-input",
        async () => {
          await this.session.execute(
            `const i = arguments[0]; i.style.opacity = "1"; i.style.position = "static";
             i.style.width = "auto"; i.style.height = "auto";`,
            [input],
          );
          try {
            await input.sendKeys(path);
          } finally {
            await this.session.execute(`arguments[0].removeAttribute("style")`, [input]);
          }
        },
      ],
      ["a File built in the page + change event", "photo-by-script", () => this.injectFile(input, path)],
    ];
    const failures = [];
    for (const [how, fallback, attempt] of attempts) {
      if (fallback && !declared.has(fallback)) {
        failures.push(`${how}: fallback "${fallback}" not declared with allowQuirk`);
        continue;
      }
      if (fallback) takeFallback(fallback, `plain send-keys did not add the photo (${failures.join("; ")})`);
      try {
        await attempt();
        await this.session.waitForElement(thumb, { timeoutMs: 15_000 });
        this.count(`photo ${id}`);
        return how;
      } catch (e) {
        failures.push(`${how}: ${e.message.split("\n")[0]}`);
        const banner = await this.session.find(tid("error-banner"));
        if (banner) failures.push(`banner: ${await banner.text()}`);
      }
    }
    throw new Error(`could not add the photo: ${failures.join(" | ")}`);
  }

  async injectFile(input, path) {
    const b64 = readFileSync(path).toString("base64");
    const name = path.split("/").pop();
    await this.session.execute(
      `const [input, b64, name] = arguments;
       const bin = atob(b64); const bytes = new Uint8Array(bin.length);
       for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
       const dt = new DataTransfer(); dt.items.add(new File([bytes], name, { type: "image/jpeg" }));
       input.files = dt.files;
       input.dispatchEvent(new Event("change", { bubbles: true }));`,
      [input, b64, name],
    );
  }

  /**
   * One signature: a stroke drawn with W3C pointer actions (pointerDown, moves, pointerUp) on the
   * canvas; falls back to dispatching pointer events by script if the actions do not reach it.
   */
  async sign(id = "signature-canvas") {
    const canvas = await this.el(id);
    await this.reveal(canvas);
    const { width, height } = await canvas.rect();
    const w = Math.floor(width / 2) - 20;
    const h = Math.floor(height / 2) - 20;
    // A zig-zag "signature", relative to the canvas centre.
    const path = [
      [-w, 0],
      [-w * 0.7, -h * 0.8],
      [-w * 0.4, h * 0.8],
      [-w * 0.1, -h * 0.6],
      [w * 0.2, h * 0.6],
      [w * 0.5, -h * 0.7],
      [w * 0.8, h * 0.5],
      [w, 0],
    ].map(([x, y]) => [Math.round(x), Math.round(y)]);
    const signed = async () => /^Signed/.test((await this.signatureStatus()) ?? "");

    let how = "pointer actions";
    try {
      await this.session.performActions([
        {
          type: "pointer",
          id: "finger",
          parameters: { pointerType: "mouse" },
          actions: [
            { type: "pointerMove", duration: 0, origin: canvas.toJSON(), x: path[0][0], y: path[0][1] },
            { type: "pointerDown", button: 0 },
            ...path.slice(1).map(([x, y]) => ({ type: "pointerMove", duration: 60, origin: canvas.toJSON(), x, y })),
            { type: "pointerUp", button: 0 },
          ],
        },
      ]);
      await this.session.releaseActions();
      await this.session.waitFor(signed, { timeoutMs: 3_000, message: "the signature to register" });
    } catch (e) {
      how = "pointer events dispatched by script";
      takeFallback("signature-by-script", `W3C pointer actions did not sign (${e.message.split("\n")[0]})`);
      await this.session.executeAsync(
        `const [c, pts, done] = arguments; const r = c.getBoundingClientRect();
         const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
         const ev = (type, [x, y], buttons) => new PointerEvent(type, { bubbles: true, cancelable: true,
           pointerId: 1, pointerType: "mouse", isPrimary: true, button: 0, buttons,
           clientX: cx + x, clientY: cy + y, pressure: buttons ? 0.5 : 0 });
         const wait = () => new Promise((res) => setTimeout(res, 40)); // signature_pad throttles at 16 ms
         (async () => {
           c.dispatchEvent(ev("pointerdown", pts[0], 1));
           for (const p of pts.slice(1)) { await wait(); c.dispatchEvent(ev("pointermove", p, 1)); }
           await wait();
           c.dispatchEvent(ev("pointerup", pts[pts.length - 1], 0));
           done(true);
         })();`,
        [canvas, path],
      );
      await this.session.waitFor(signed, { timeoutMs: 3_000, message: "the scripted signature to register" });
    }
    this.count(`sign ${id}`);
    return how;
  }

  async signatureStatus() {
    const el = await this.session.find(".signature-head [aria-live]");
    return el ? (await el.text()).trim() : null;
  }

  // ------------------------------------------------ navigation and reading (not interactions)

  /** Back to the route list without counting (between stories). */
  async toRouteList() {
    for (let i = 0; i < 4; i++) {
      const back = await this.session.find(tid("back-button"));
      if (!back) break;
      const title = await this.screenTitle();
      await back.click();
      await this.session.waitFor(async () => (await this.screenTitle()) !== title, {
        timeoutMs: 5_000,
        message: "the previous screen",
      });
    }
    await this.el("stop-1", { timeoutMs: 15_000 });
  }

  async screenTitle() {
    const el = await this.session.find(".topbar .title");
    return el ? (await el.text()).trim() : null;
  }

  /** The number of ops waiting, from the sync bar's words ("3 waiting to sync", "All synced"). */
  async syncCount() {
    const el = await this.session.waitForElement(`${tid("sync-bar")} .sync-count`);
    const t = (await el.text()).trim();
    const m = /^(\d+) waiting to sync/.exec(t);
    if (m) return Number(m[1]);
    if (/^All synced/.test(t) || /^Photos waiting/.test(t)) return 0;
    throw new Error(`sync bar says something unexpected: ${JSON.stringify(t)}`);
  }
}
