import { afterEach, describe, expect, it, vi } from "vitest";
import { cn } from "./utils.ts";

describe("cn", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("joins class lists as clsx does, without dropping any class", () => {
    expect(cn("px-5 pb-5", { "pt-5": true, hidden: false }, ["text-sm", undefined])).toBe(
      "px-5 pb-5 pt-5 text-sm",
    );
    // No conflict resolution: both stay, in order (the development check reports such a pair).
    expect(cn("p-5", "p-0")).toBe("p-5 p-0");
  });

  it("warns in development when two classes set the same property", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // The check loads tailwind-merge lazily; wait until it reports.
    await vi.waitFor(() => {
      cn("text-base font-semibold", "text-3xl");
      expect(warn).toHaveBeenCalled();
    });
    expect(String(warn.mock.calls[0]?.[0])).toContain('tailwind-merge keeps "font-semibold text-3xl"');
    warn.mockClear();
    cn("text-base font-semibold", "tabular-nums");
    expect(warn).not.toHaveBeenCalled();
  });
});
