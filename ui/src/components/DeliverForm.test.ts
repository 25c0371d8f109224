// The deliver form alone: GPS is read at save time and never waited for.
import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { mockIPC } from "@tauri-apps/api/mocks";
import DeliverForm from "./DeliverForm.svelte";
import { sampleSaved, sampleStop } from "../test/fixtures";
import type { PodInput } from "../lib/types";

function drawStroke(canvas: HTMLElement) {
  const at = (type: string, x: number, y: number, buttons: number) =>
    canvas.dispatchEvent(new PointerEvent(type, { bubbles: true, clientX: x, clientY: y, buttons, pointerId: 1 }));
  at("pointerdown", 5, 5, 1);
  at("pointermove", 50, 50, 1);
  at("pointerup", 50, 50, 0);
}

function backend() {
  const sent: PodInput[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "record_pod") {
      sent.push((args as { input: PodInput }).input);
      return sampleSaved();
    }
    throw { code: "invalid", message: cmd };
  });
  return sent;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("DeliverForm GPS", () => {
  it("sends the fix that has arrived by the time Save is tapped", async () => {
    const sent = backend();
    const onsaved = vi.fn();
    const probe = { current: () => ({ lat: 52.37, lon: 4.88, accuracy_m: 9 }), stop: vi.fn() };
    render(DeliverForm, { props: { stop: sampleStop(), onsaved, onerror: vi.fn(), gpsProbe: probe } });
    drawStroke(screen.getByTestId("signature-canvas"));
    await fireEvent.click(screen.getByTestId("save-pod"));
    await waitFor(() => expect(onsaved).toHaveBeenCalledOnce());
    expect(sent[0].gps).toEqual({ lat: 52.37, lon: 4.88, accuracy_m: 9 });
    expect(sent[0].recipient_name).toBe("Anne Visser");
  });

  it("asks the device once when the form opens and saves without waiting for an answer", async () => {
    const sent = backend();
    const getCurrentPosition = vi.fn(); // never answers
    vi.stubGlobal("navigator", { ...navigator, geolocation: { getCurrentPosition } });
    const onsaved = vi.fn();
    render(DeliverForm, { props: { stop: sampleStop(), onsaved, onerror: vi.fn() } });
    expect(getCurrentPosition).toHaveBeenCalledOnce();
    drawStroke(screen.getByTestId("signature-canvas"));
    await fireEvent.click(screen.getByTestId("save-pod"));
    await waitFor(() => expect(onsaved).toHaveBeenCalledOnce());
    expect(sent[0].gps).toBeNull();
  });

  it("treats the desktop stub's 0,0 as no fix", async () => {
    const sent = backend();
    vi.stubGlobal("navigator", {
      ...navigator,
      geolocation: {
        getCurrentPosition: (ok: PositionCallback) =>
          ok({ coords: { latitude: 0, longitude: 0, accuracy: 1 } } as GeolocationPosition),
      },
    });
    const onsaved = vi.fn();
    render(DeliverForm, { props: { stop: sampleStop(), onsaved, onerror: vi.fn() } });
    drawStroke(screen.getByTestId("signature-canvas"));
    await fireEvent.click(screen.getByTestId("save-pod"));
    await waitFor(() => expect(onsaved).toHaveBeenCalledOnce());
    expect(sent[0].gps).toBeNull();
  });

  it("clears the signature, and shows the engine's refusal of a delivery with no proof", async () => {
    const sent: PodInput[] = [];
    const refusal = { code: "invalid", message: "Add a photo or a signature as proof of delivery." };
    mockIPC((cmd, args) => {
      if (cmd !== "record_pod") throw { code: "invalid", message: cmd };
      sent.push((args as { input: PodInput }).input);
      throw refusal;
    });
    const onerror = vi.fn();
    const onsaved = vi.fn();
    render(DeliverForm, { props: { stop: sampleStop(), onsaved, onerror } });
    drawStroke(screen.getByTestId("signature-canvas"));
    await waitFor(() => expect(screen.getByText("Signed")).toBeTruthy());
    await fireEvent.click(screen.getByLabelText("Clear signature"));
    expect(screen.getByText("Not signed yet"), "the pad says it is empty again").toBeTruthy();
    await fireEvent.click(screen.getByTestId("save-pod"));
    await waitFor(() =>
      expect(onerror, "the engine's message is shown as it comes").toHaveBeenLastCalledWith(refusal.message),
    );
    expect(sent.map((i) => i.signature), "a cleared pad sends no signature").toEqual([null]);
    expect(onsaved, "a refused delivery is not saved").not.toHaveBeenCalled();
  });
});
