import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as undici from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { loadUndiciParts } from "./undici-parts.js";
import { Agent, buildConnector, Client, request } from "./undici.js";

let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => res.end(`${req.method} ${req.url} ${body}`));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("@ewsdav/http/undici", () => {
  it("gives undici's own classes (a new undici that moves its files fails here)", () => {
    expect(Agent).toBe(undici.Agent);
    expect(Client).toBe(undici.Client);
    expect(buildConnector).toBe(undici.buildConnector);
  });

  it("a newer undici whose files moved is loaded from its entry point, with the same values", () => {
    const real = createRequire(import.meta.url);
    const asked: string[] = [];
    const moved = (id: string): unknown => {
      asked.push(id);
      if (id.startsWith("undici/lib/dispatcher/agent")) throw Object.assign(new Error(`Cannot find module '${id}'`), { code: "MODULE_NOT_FOUND" });
      return real(id);
    };
    const parts = loadUndiciParts(moved);
    expect(asked).toContain("undici");
    expect(parts.Agent).toBe(undici.Agent);
    expect(parts.Client).toBe(undici.Client);
    expect(parts.buildConnector).toBe(undici.buildConnector);
    expect(parts.getGlobalDispatcher).toBe(undici.getGlobalDispatcher);
    // A file that holds something else than the value: the entry point too.
    const renamed = loadUndiciParts((id) => (id === "undici/lib/core/connect.js" ? {} : real(id)));
    expect(renamed.buildConnector).toBe(undici.buildConnector);
  });

  it("request: GET by default, PUT with a body, the path and query kept, through the given dispatcher", async () => {
    const agent = new Agent();
    try {
      const get = await request(`${base}/a/b?x=1`, { dispatcher: agent });
      expect(get.statusCode).toBe(200);
      expect(await get.body.text()).toBe("GET /a/b?x=1 ");
      const put = await request(new URL(`${base}/c`), { dispatcher: agent, body: "hi" });
      expect(await put.body.text()).toBe("PUT /c hi");
      const report = await request(`${base}/d`, { dispatcher: agent, method: "REPORT", body: "<x/>" });
      expect(await report.body.text()).toBe("REPORT /d <x/>");
    } finally {
      await agent.close();
    }
  });

  it("works in a process that never loads undici's entry point, and loads a fraction of undici", () => {
    const lite = pathToFileURL(fileURLToPath(new URL("./undici.ts", import.meta.url))).href;
    const script = `
      import { createRequire } from "node:module";
      import { createServer } from "node:http";
      const { Agent, Client, request } = await import(${JSON.stringify(lite)});
      const server = createServer((req, res) => res.end(req.method + " " + req.url));
      await new Promise((r) => server.listen(0, "127.0.0.1", r));
      const origin = "http://127.0.0.1:" + server.address().port;
      const agent = new Agent();
      const a = await (await request(origin + "/x?y", { dispatcher: agent })).body.text();
      const client = new Client(origin);
      const b = await (await client.request({ path: "/z", method: "DELETE" })).body.text();
      await agent.close(); await client.close(); server.close();
      const files = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes("/undici/"));
      console.log(JSON.stringify({ a, b, entry: files.some((f) => /\\/undici\\/index\\.js$/.test(f)), files: files.length }));
    `;
    const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    const out = JSON.parse(run.stdout) as { a: string; b: string; entry: boolean; files: number };
    expect(out).toMatchObject({ a: "GET /x?y", b: "DELETE /z", entry: false });
    // undici's entry point loads about 110 files; these parts about 30.
    expect(out.files).toBeLessThan(60);
  });
});
