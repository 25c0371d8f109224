// The helpers' fallbacks (set a select, a photo or a signature by script) fail a story unless
// the story file declared them with a reason. No app needed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FALLBACKS, allowQuirk, quirks, takeFallback } from "./lib/app.js";

describe("fallbacks a story did not declare", () => {
  it("an undeclared fallback throws and names how to declare it", () => {
    assert.throws(
      () => takeFallback("signature-by-script", "W3C pointer actions did not sign"),
      /undeclared WebDriver fallback "signature-by-script".*allowQuirk\("signature-by-script"/,
      "a story that was not told a fallback is fine must fail on it",
    );
    assert.equal(quirks.size, 0, "a refused fallback is not reported as taken");
  });

  it("a declared fallback is taken and reported with its reason", () => {
    allowQuirk("photo-by-script", "this file proves the declared path works, nothing else");
    takeFallback("photo-by-script", "plain send-keys did not add the photo");
    assert.ok(
      [...quirks].some((q) => q.startsWith("photo-by-script:") && q.includes("this file proves")),
      "the report says which fallback was taken and why it was allowed",
    );
  });

  it("a declaration needs a known fallback and a reason in words", () => {
    assert.throws(() => allowQuirk("click-by-magic", "no such fallback exists anywhere"), /no fallback is called/, "unknown names are refused");
    assert.throws(() => allowQuirk("select-by-script", ""), /needs a reason/, "a declaration without a reason is refused");
    assert.ok(Object.keys(FALLBACKS).length >= 5, "every helper's fallback has a name");
  });
});
