// The real app against a real planner, driven through tauri-driver + WebKitWebDriver: an empty
// phone enrols with a one-time code, delivers a stop with a photo while the planner is down,
// and once the planner is back the POD and its photo reach it and the sync bar reads "All synced".
// The planner (SQLite) and the phone's store live in a temp dir of this file's own; the app is
// started on that empty store (not on the seeded one e2e.sh gives the other stories).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Courier, checkConfig, config, resetScreens, saveInteractions, screenshot, startApp, storeAt, tid } from "./lib/app.js";
import { Planner, freePort } from "./lib/planner.js";

/** DESIGN.md §10: a clean delivery with all three proofs, counted from the route list. */
const BUDGET = { cleanDelivery: 8 };
const STORY_TIMEOUT = 180_000;
const PHOTO = join(config.testdata, "photos", "Portrait_5.jpg");

// ---------------------------------------------------------------- the story

/** Plain words for the courier: a sentence, no codes, no stack, no JSON. */
function assertPlainMessage(text) {
  assert.ok(text.length > 10 && text.length < 200, `message length ${text.length}: ${text}`);
  assert.doesNotMatch(text, /[{}<>]|undefined|null|Error:|exception|stack|\b[a-z]+_[a-z_]+\b/i, `not plain: ${text}`);
  assert.match(text, /^[A-Z]/, `starts like a sentence: ${text}`);
}

describe("Doorstep with its planner", () => {
  let work;
  let deviceDir;
  let planner;
  let demo;
  let session;
  let courier;
  const measured = {};

  before(async () => {
    checkConfig();
    resetScreens("planner");
    work = mkdtempSync(join(tmpdir(), "doorstep-e2e-planner."));
    deviceDir = join(work, "device");
    mkdirSync(deviceDir);
    planner = new Planner(join(work, "planner.db"), await freePort());
    // Never leave a planner behind, even if this process is cut short.
    process.on("exit", () => planner?.child?.kill("SIGKILL"));
    demo = planner.seed();
    await planner.start();
  });

  after(async () => {
    if (session) await session.delete().catch(() => {});
    if (planner) await planner.stop().catch(() => {});
    saveInteractions(measured);
    if (work && process.env.E2E_KEEP_DATA !== "1") rmSync(work, { recursive: true, force: true });
    else if (work) console.log(`# planner story data kept at ${work}`);
  });

  /** Runs the body; on failure saves a screenshot of where it stood and the planner's log, then rethrows. */
  async function step(name, t, body) {
    try {
      await body();
    } catch (e) {
      try {
        if (session) t.diagnostic(`screenshot of the failure: ${await screenshot(session, `FAILED-${name}`)}`);
      } catch {
        /* the session may be gone */
      }
      if (courier) t.diagnostic(`interactions so far: ${courier.log.join(", ")}`);
      t.diagnostic(`planner log: ${planner.log.trim().split("\n").slice(-10).join(" | ")}`);
      throw e;
    }
  }

  function report(t, key, budget) {
    measured[key] = { interactions: courier.interactions, budget: budget ?? null, steps: [...courier.log] };
    t.diagnostic(
      `interactions: ${key} = ${courier.interactions}${budget ? ` (budget ${budget})` : ""} [${courier.log.join(", ")}]`,
    );
  }

  async function syncBar() {
    const el = await courier.el("sync-bar");
    return (await el.text()).replace(/\s+/g, " ").trim();
  }

  async function toast() {
    return session.waitFor(
      async () => {
        const el = await session.find(tid("toast"));
        return el ? (await el.text()).trim() : null;
      },
      { timeoutMs: 15_000, message: "the toast" },
    );
  }

  it(
    "enrol, deliver with a photo while the planner is down, and see it arrive once it is back",
    { timeout: STORY_TIMEOUT },
    async (t) => {
      const started = Date.now();
      const device = storeAt(deviceDir);
      const sam = demo.users.find((u) => u.name === "Sam Courier");
      assert.ok(sam?.enrolment_code && sam.route_id, "the demo has Sam Courier with a code and a route");

      // ---- an empty phone: not connected, no route
      await step("empty-phone", t, async () => {
        session = await startApp({ dataDir: deviceDir, launcherDir: work });
        courier = new Courier(session);
        await courier.el("open-enrol", { timeoutMs: 30_000 });
        assert.match(await syncBar(), /Not connected to a planner yet/);
        await courier.el("no-route");
        assert.equal(device.status().planner_url, null, "the phone starts un-enrolled");
        await screenshot(session, "empty-phone");
      });

      // ---- enrol through the enrol screen; the first sync brings Sam's route
      await step("enrol", t, async () => {
        courier.startCounting();
        await courier.tap("open-enrol");
        await courier.type("enrol-url", planner.url);
        await courier.type("enrol-code", sam.enrolment_code);
        await screenshot(session, "enrol-filled");
        await courier.tap("enrol-submit");
        const connected = await toast();
        report(t, "enrol (URL + code)");
        assert.match(connected, /^Connected as Sam Courier/);
        await courier.el("stop-1", { timeoutMs: 30_000 }); // the route list, after the first sync
        const rows = await session.findAll('button[data-testid^="stop-"]');
        const route = await planner.api(`/v1/routes/${sam.route_id}`, demo.dispatcher_token);
        assert.equal(rows.length, route.route.stops.length, "every stop of Sam's route is on the phone");
        await session.waitFor(async () => /All synced Last synced/.test(await syncBar()), {
          timeoutMs: 15_000,
          message: "'All synced' and 'Last synced' after the first sync",
        });
        assert.equal(device.status().planner_url, planner.url);
        t.diagnostic(`after enrolment: ${rows.length} stops; sync bar: ${await syncBar()}`);
        await screenshot(session, "enrolled-route-list");
      });

      // ---- the planner goes down; the courier delivers a stop anyway
      const stop = device
        .route()
        .stops.map((s) => device.stop(s.position))
        .find((s) => s.status === "pending" && s.customer_kind === "b2c" && !s.contact_name && s.lines.length > 0);
      assert.ok(stop, "Sam's route has a pending B2C stop with lines");
      const n = stop.position;
      const name = "Lotte Visser";
      await step("deliver-offline", t, async () => {
        await planner.stop();
        courier.startCounting();
        await courier.tap(`stop-${n}`);
        await courier.tap("deliver-button");
        await courier.choosePhoto("photo-input", PHOTO);
        await courier.sign();
        await courier.type("recipient-name", name);
        await courier.tap("save-pod");
        const saved = await toast();
        report(t, "clean delivery with the planner down (B2C, name typed)", BUDGET.cleanDelivery);
        assert.ok(courier.interactions <= BUDGET.cleanDelivery, `${courier.interactions} > ${BUDGET.cleanDelivery}`);
        assert.match(saved, /Delivered/);
        assert.match(saved, /waiting to sync/);
        assert.match(await (await courier.el(`stop-${n}`)).text(), /Delivered/);
        await courier.el(`stop-pending-${n}`);

        // The sync after the save could not reach the planner: work waiting, the problem in plain words.
        const problem = await session.waitFor(
          async () => {
            const el = await session.find(tid("sync-problem"));
            return el ? (await el.text()).trim() : null;
          },
          { timeoutMs: 20_000, message: "the sync problem in the sync bar" },
        );
        const bar = await syncBar();
        t.diagnostic(`sync bar with the planner down: ${bar}`);
        assert.ok((await courier.syncCount()) > 0, `work waiting: ${bar}`);
        assert.match(bar, /\d+ waiting to sync/);
        assertPlainMessage(problem);
        assert.match(problem, /planner/i, `says the planner is the problem: ${problem}`);
        assert.match(problem, /safe on this phone/i);
        assert.doesNotMatch(bar, /fail/i, "a sync problem never reads as a failed delivery");
        assert.doesNotMatch(bar, /\boffline\b/i, "never 'offline' alone");
        const status = device.status();
        assert.ok(status.waiting_ops > 0, "the POD waits in the outbox");
        assert.ok(status.last_error, "the device recorded the failed sync");
        await screenshot(session, `planner-down-stop-${n}-delivered`);
      });

      // ---- the planner comes back on the same address; "Sync now"
      await step("planner-back", t, async () => {
        await planner.start();
        courier.startCounting();
        const back = Date.now();
        await courier.tap("sync-now");
        await session
          .waitFor(async () => /^All synced/.test(await syncBar()), {
            timeoutMs: 30_000,
            intervalMs: 250,
            message: "'All synced' after the planner came back",
          })
          .catch(async (e) => {
            throw new Error(`${e.message}; the sync bar says: ${await syncBar()}`);
          });
        report(t, "sync after the planner came back");
        t.diagnostic(`'All synced' ${Date.now() - back} ms after tapping Sync now`);
        assert.equal(await session.find(tid("sync-problem")), null, "the problem is gone");
        assert.equal(await courier.text("toast"), "Delivered · synced", "the save's toast follows the sync bar");
        assert.equal(await session.find(tid(`stop-pending-${n}`)), null, "no pending badge on the stop");
        assert.equal(device.status().waiting_ops, 0);
        await screenshot(session, "planner-back-all-synced");
      });

      // ---- dispatch sees the POD and its photo
      await step("dispatcher", t, async () => {
        const route = await planner.api(`/v1/routes/${sam.route_id}`, demo.dispatcher_token);
        const pods = route.events.filter((e) => e.stop_id === stop.id && /pod/i.test(e.kind));
        assert.equal(pods.length, 1, `one POD for stop ${n}: ${JSON.stringify(route.events.map((e) => [e.kind, e.stop_id]))}`);
        const pod = pods[0];
        assert.equal(pod.complete, true, "the POD is complete (its photo arrived)");
        const body = pod.body.pod; // the event body: { pod: Pod }
        assert.ok(body, `the event carries the POD: ${JSON.stringify(pod.body).slice(0, 300)}`);
        assert.equal(body.recipient_name, name);
        assert.equal(body.outcome, "delivered");
        assert.ok(body.signature, "the signature travelled with the POD");
        assert.equal(body.photos.length, 1, "the POD names one photo");
        const sha = body.photos[0];
        assert.match(sha, /^[0-9a-f]{64}$/);
        assert.deepEqual(pod.photos, [{ sha256: sha, received: true }], "the planner holds that photo whole");
        const bytes = await planner.api(`/v1/blobs/${sha}`, demo.dispatcher_token, { binary: true });
        assert.ok(bytes.length > 1000, `the photo has bytes (${bytes.length})`);
        assert.equal(createHash("sha256").update(bytes).digest("hex"), sha, "the blob's SHA-256 is the POD's hash");
        const planned = route.route.stops.find((s) => s.id === stop.id);
        t.diagnostic(
          `planner: ${pod.kind} for stop ${n} (${planned?.status}), photo ${sha.slice(0, 12)}… ${bytes.length} bytes; ` +
            `story took ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      });
    },
  );
});
