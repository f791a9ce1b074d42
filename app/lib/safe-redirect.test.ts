import { describe, expect, it } from "vitest";
import { safeRedirectPath } from "./safe-redirect.ts";

describe("safeRedirectPath", () => {
  it("keeps same-site absolute paths", () => {
    expect(safeRedirectPath("/billing?tab=invoices")).toBe("/billing?tab=invoices");
  });

  it.each(["https://evil.example", "//evil.example/path", "/\\evil.example", "billing", "", null, 42])(
    "refuses %s",
    (target) => {
      expect(safeRedirectPath(target, "/home")).toBe("/home");
    },
  );
});
