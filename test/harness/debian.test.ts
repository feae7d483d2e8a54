/** `.ci/run` installs every Debian package a test drives, so no test waits for apt in CI. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEBIAN_TEST_PACKAGES } from "./debian.js";

describe(".ci/run", () => {
  it("installs the packages DEBIAN_TEST_PACKAGES lists", () => {
    const script = readFileSync(fileURLToPath(new URL("../../.ci/run", import.meta.url)), "utf8");
    const listed = /^PACKAGES="([^"]*)"/m.exec(script)?.[1]?.split(/\s+/).filter(Boolean) ?? [];
    expect([...listed].sort()).toEqual([...DEBIAN_TEST_PACKAGES].sort());
  });
});
