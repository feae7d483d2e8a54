/**
 * What a quiet `ewsdav sync` of EWS folders loads (the EWS simulator, a vdir folder): the EWS
 * client, and none of the mapping code — `@ewsdav/mappers`, ical.js, windows-iana — which the EWS
 * side loads on the first item it reads or writes. Every module Node loads is recorded by a module
 * hook (node:module `register`, put in front through NODE_OPTIONS), as in `startup.test.ts`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { runCli } from "./cli.test-support.js";
import { PASSWORD_ENV, writeSyncConfig } from "./sync.test-support.js";

const dir = mkdtempSync(join(tmpdir(), "ewsdav-startup-ews-"));
writeFileSync(
  join(dir, "hooks.mjs"),
  `import { appendFileSync } from "node:fs";\nexport async function load(url, context, next) {\n  appendFileSync(process.env.EWSDAV_LOAD_LOG, url + "\\n");\n  return next(url, context);\n}\n`,
);
writeFileSync(join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});\n`);

const MAPPING = /\/packages\/mappers\/|\/ical\.js\/|windows-iana/;

describe("ewsdav sync of EWS folders, start-up", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small" });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("a quiet cycle loads no mapping code; a cycle that reads an item does", async () => {
    const { configPath } = writeSyncConfig(sim.url, [
      { id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" },
      { id: "cal", kind: "events", folder: "Calendar", collection: "cal" },
      { id: "todo", kind: "tasks", folder: "Tasks", collection: "todo" },
    ]);
    const run = async (name: string) => {
      const log = join(dir, `${name}.log`);
      writeFileSync(log, "");
      const result = await runCli(["sync", "--config", configPath, "--json"], {
        env: { [PASSWORD_ENV]: "secret", EWSDAV_LOAD_LOG: log, NODE_OPTIONS: `--import ${pathToFileURL(join(dir, "register.mjs")).href}` },
      });
      expect(result.code, result.stderr).toBe(0);
      return readFileSync(log, "utf8").split("\n").filter(Boolean);
    };
    expect((await run("first")).some((m) => MAPPING.test(m))).toBe(true);
    await run("echoes"); // the echoes of the UID tags the first sync wrote
    const quiet = await run("quiet");
    expect(quiet.some((m) => /\/packages\/ews-client\//.test(m))).toBe(true);
    expect(quiet.filter((m) => MAPPING.test(m))).toEqual([]);
    // An item changed in Exchange: the next cycle reads it, and loads the mappers for it.
    sim.mailbox("alice@example.com").createItem("contacts", "<Contact><GivenName>Late</GivenName></Contact>");
    expect((await run("changed")).some((m) => MAPPING.test(m))).toBe(true);
  });
});
