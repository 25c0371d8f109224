// A small W3C WebDriver (classic protocol) client on Node's built-in fetch. No dependencies.
// Talks to tauri-driver, which forwards to WebKitWebDriver.

export const ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";

/** WebDriver key codes (W3C "keyboard actions" table). */
export const Keys = Object.freeze({
  BACKSPACE: "\uE003",
  ENTER: "\uE007",
  CONTROL: "\uE009",
  END: "\uE010",
  HOME: "\uE011",
  DELETE: "\uE017",
});

export class WebDriverError extends Error {
  constructor(method, path, status, value) {
    const what = value && typeof value === "object" ? `${value.error}: ${value.message}` : String(value);
    super(`${method} ${path} → HTTP ${status}: ${what}`);
    this.status = status;
    this.error = value?.error;
    this.remoteMessage = value?.message;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function request(baseUrl, method, path, body, timeoutMs = 60_000) {
  const res = await fetch(baseUrl.replace(/\/$/, "") + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json; charset=utf-8" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json;
  try {
    json = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new WebDriverError(method, path, res.status, text.slice(0, 300));
  }
  if (!res.ok || (json.value && typeof json.value === "object" && "error" in json.value && json.value.error)) {
    throw new WebDriverError(method, path, res.status, json.value);
  }
  return json.value;
}

/** Waits until the WebDriver server answers GET /status. */
export async function waitForServer(baseUrl, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      return await request(baseUrl, "GET", "/status", undefined, 2_000);
    } catch (e) {
      last = e;
      await sleep(250);
    }
  }
  throw new Error(`WebDriver at ${baseUrl} did not answer within ${timeoutMs} ms: ${last?.message}`);
}

export class Session {
  /** @param {string} baseUrl @param {string} id @param {object} capabilities */
  constructor(baseUrl, id, capabilities) {
    this.baseUrl = baseUrl;
    this.id = id;
    this.capabilities = capabilities;
  }

  /** POST /session. */
  static async create(baseUrl, capabilities) {
    const value = await request(baseUrl, "POST", "/session", { capabilities }, 120_000);
    return new Session(baseUrl, value.sessionId, value.capabilities);
  }

  cmd(method, path, body) {
    return request(this.baseUrl, method, `/session/${this.id}${path}`, body);
  }

  async delete() {
    await request(this.baseUrl, "DELETE", `/session/${this.id}`);
  }

  setTimeouts(t) {
    return this.cmd("POST", "/timeouts", t);
  }

  getWindowRect() {
    return this.cmd("GET", "/window/rect");
  }

  setWindowRect(rect) {
    return this.cmd("POST", "/window/rect", rect);
  }

  title() {
    return this.cmd("GET", "/title");
  }

  /** Finds one element by CSS selector, or null (no implicit wait: callers poll). */
  async find(css) {
    const all = await this.findAll(css);
    return all[0] ?? null;
  }

  async findAll(css) {
    const value = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return value.map((ref) => new Element(this, ref[ELEMENT_KEY]));
  }

  execute(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  executeAsync(script, args = []) {
    return this.cmd("POST", "/execute/async", { script, args });
  }

  performActions(actions) {
    return this.cmd("POST", "/actions", { actions });
  }

  releaseActions() {
    return this.cmd("DELETE", "/actions");
  }

  /** PNG bytes of the viewport. */
  async screenshot() {
    const b64 = await this.cmd("GET", "/screenshot");
    return Buffer.from(b64, "base64");
  }

  /** Polls fn until it returns a truthy value (returned), or throws after timeoutMs. */
  async waitFor(fn, { timeoutMs = 10_000, intervalMs = 100, message = "condition" } = {}) {
    const deadline = Date.now() + timeoutMs;
    let lastError;
    for (;;) {
      try {
        const v = await fn();
        if (v) return v;
      } catch (e) {
        lastError = e;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `Timed out after ${timeoutMs} ms waiting for ${message}` + (lastError ? ` (last error: ${lastError.message})` : ""),
        );
      }
      await sleep(intervalMs);
    }
  }

  /** Waits for an element matching css to exist (and be displayed unless {displayed:false}). */
  async waitForElement(css, { timeoutMs = 10_000, displayed = true } = {}) {
    return this.waitFor(
      async () => {
        const el = await this.find(css);
        if (!el) return null;
        if (displayed && !(await el.isDisplayed())) return null;
        return el;
      },
      { timeoutMs, message: `element ${css}` },
    );
  }

  async waitForGone(css, { timeoutMs = 10_000 } = {}) {
    return this.waitFor(async () => (await this.find(css)) === null, { timeoutMs, message: `${css} to disappear` });
  }
}

export class Element {
  constructor(session, id) {
    this.session = session;
    this.id = id;
  }

  /** The JSON form used as an execute-script argument or an action origin. */
  toJSON() {
    return { [ELEMENT_KEY]: this.id };
  }

  cmd(method, path, body) {
    return this.session.cmd(method, `/element/${this.id}${path}`, body);
  }

  click() {
    return this.cmd("POST", "/click", {});
  }

  clear() {
    return this.cmd("POST", "/clear", {});
  }

  sendKeys(text) {
    return this.cmd("POST", "/value", { text });
  }

  text() {
    return this.cmd("GET", "/text");
  }

  property(name) {
    return this.cmd("GET", `/property/${encodeURIComponent(name)}`);
  }

  attribute(name) {
    return this.cmd("GET", `/attribute/${encodeURIComponent(name)}`);
  }

  rect() {
    return this.cmd("GET", "/rect");
  }

  isEnabled() {
    return this.cmd("GET", "/enabled");
  }

  isDisplayed() {
    return this.cmd("GET", "/displayed");
  }

  async screenshot() {
    return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
  }
}
