import { describe, expect, it } from "vitest";
import { isDisposableDatabase } from "./cli.ts";

describe("db:reset safety", () => {
  it.each([
    [undefined, true],
    ["postgres://u@h/suiftly_dev", true],
    ["postgres://u@h/suiftly_test", true],
    ["postgres://u@h/test", true],
    ["postgres://u@h/suiftly-local", true],
    ["postgres://u@h/suiftly", false],
    ["postgres://u@h/suiftly_prod", false],
    ["postgres://u@h/devices", false],
    ["postgres://u@h/contest", false],
  ])("%s → %s", (url, disposable) => {
    expect(isDisposableDatabase(url)).toBe(disposable);
  });
});
