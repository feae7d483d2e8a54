import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const GET_CONTACTS = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Body><m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="contacts"/></m:FolderIds></m:GetFolder></s:Body></s:Envelope>`;

describe("npm run ews-sim", () => {
  it("starts on loopback, prints its URL, answers EWS and stops cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "examples/ews-sim/main.ts", "--port", "0", "--user", "carol@example.com", "--password", "pw", "--seed", "small"], {
      cwd: ROOT, stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let output = "";
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          output += d.toString();
          const m = /listening at (\S+)/.exec(output);
          if (m && output.includes(" in Tasks")) resolve(m[1]!);
        });
        child.on("exit", () => reject(new Error(`exited early: ${output}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/EWS\/Exchange\.asmx$/);
      expect(output).toContain("carol@example.com: 6 items in Contacts");
      expect(output).not.toContain("pw");
      const res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "text/xml", Authorization: `Basic ${Buffer.from("carol@example.com:pw").toString("base64")}` },
        body: GET_CONTACTS,
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("<t:TotalCount>6</t:TotalCount>");
      const code = await new Promise<number | null>((resolve) => {
        child.on("exit", (c) => resolve(c));
        child.kill("SIGTERM");
      });
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
