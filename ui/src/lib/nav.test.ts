import { describe, expect, it } from "vitest";
import { backOf, homeOf, isHome, titleOf, type Screen } from "./nav";
import { syncBarActions } from "./sync";
import { sampleDeliveryDetail, sampleRepSync } from "../test/fixtures";

describe("the rep's screens", () => {
  it("opens a sales rep on the territory list and everyone else on the route", () => {
    expect(homeOf("sales_rep")).toEqual({ name: "territory" });
    expect(homeOf("courier")).toEqual({ name: "route" });
    expect(homeOf(null)).toEqual({ name: "route" });
    expect(isHome({ name: "territory" })).toBe(true);
  });

  it("goes back the way the rep came", () => {
    const territory: Screen = { name: "territory" };
    const delivery: Screen = { name: "delivery", stopId: "d-2" };
    const account: Screen = { name: "account", accountId: "a-2", from: delivery };
    const fromAccount: Screen = { name: "delivery", stopId: "d-old", from: account };
    const resolve: Screen = { name: "resolve", detail: sampleDeliveryDetail(), from: fromAccount };
    expect(backOf(territory)).toBeNull();
    expect(backOf(delivery)).toEqual(territory);
    expect(backOf(account)).toEqual(delivery);
    expect(backOf(fromAccount)).toEqual(account);
    expect(backOf(resolve)).toEqual(fromAccount);
    expect(backOf({ name: "enrol" }, territory)).toEqual(territory);
    expect(backOf({ name: "rejections" })).toEqual({ name: "route" });
  });

  it("titles each screen", () => {
    expect(titleOf({ name: "territory" })).toBe("My territory");
    expect(titleOf({ name: "delivery", stopId: "x" })).toBe("Delivery");
    expect(titleOf({ name: "account", accountId: "x" })).toBe("Account");
    expect(titleOf({ name: "resolve", detail: sampleDeliveryDetail(), from: { name: "territory" } })).toBe("Resolve");
  });

  it("lets the sync bar leave the rep's screens but not the resolve form", () => {
    const s = sampleRepSync({ unseen_rejections: 1 });
    expect(syncBarActions(s, "territory").rejections).toBe(1);
    expect(syncBarActions(s, "delivery").rejections).toBe(1);
    expect(syncBarActions(s, "resolve").rejections).toBe(0);
  });
});
