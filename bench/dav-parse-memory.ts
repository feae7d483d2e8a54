/**
 * What parsing a DAV multistatus costs in heap, per byte of body: the figure the DAV client's
 * default response limits are set from (packages/dav-client/src/limits.ts).
 *
 * For each body shape (a sync-collection listing: href + ETag per member; a multiget answer:
 * 2 KB of vCard per member) and size, a child process reads the body from a file, decodes it as
 * the transport does (Buffer → string) and parses it with `parseMultistatus`, keeping the result
 * (what a caller holds). The child runs with a capped old space; a binary search finds the
 * smallest cap it survives. That cap over the body size is the cost factor.
 *
 * `npx tsx bench/dav-parse-memory.ts [sizesMB…]` (default 8 32).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

type Shape = "listing" | "multiget";

function body(shape: Shape, bytes: number): string {
  const parts: string[] = ['<?xml version="1.0" encoding="utf-8"?>\n<d:multistatus xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">'];
  let size = parts[0]!.length;
  const note = "x".repeat(1900);
  for (let i = 0; size < bytes; i++) {
    const href = `/remote.php/dav/addressbooks/users/alice/contacts/${i.toString(16).padStart(8, "0")}-4f1c-9a7e-contact.vcf`;
    const data =
      shape === "multiget"
        ? `<card:address-data>BEGIN:VCARD&#13;\nVERSION:3.0&#13;\nUID:${i}&#13;\nFN:Contact ${i}&#13;\nNOTE:${note}&#13;\nEND:VCARD&#13;\n</card:address-data>`
        : "";
    const part = `<d:response><d:href>${href}</d:href><d:propstat><d:prop><d:getetag>"${i.toString(36)}-5f0e8a7c1d"</d:getetag>${data}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>\n`;
    parts.push(part);
    size += part.length;
  }
  parts.push("<d:sync-token>http://sabre.io/ns/sync/42</d:sync-token></d:multistatus>");
  return parts.join("");
}

const CHILD = process.argv[2] === "--child";

if (CHILD) {
  const { parseMultistatus } = await import("../packages/dav-client/src/multistatus.js");
  const raw = readFileSync(process.argv[3]!);
  const text = raw.toString("utf8");
  const parsed = parseMultistatus(text, "https://cloud.example.com/remote.php/dav/addressbooks/users/alice/contacts/");
  if (parsed.responses.length === 0) process.exit(3);
  process.exit(0);
} else {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-parse-mem-"));
  const self = fileURLToPath(import.meta.url);
  const survives = (file: string, capMb: number): boolean =>
    spawnSync(process.execPath, [`--max-old-space-size=${capMb}`, "--max-semi-space-size=16", "--import", "tsx", self, "--child", file], { stdio: "ignore" }).status === 0;
  try {
    console.log("shape     body MB  smallest old space that survives  cost (heap / body)");
    for (const shape of ["listing", "multiget"] as const) {
      for (const mb of sizes.length ? sizes : [8, 32]) {
        const file = join(dir, `${shape}-${mb}.xml`);
        writeFileSync(file, body(shape, mb * 1024 * 1024));
        let low = 16;
        let high = 64;
        while (!survives(file, high)) {
          low = high;
          high *= 2;
          if (high > 16_384) throw new Error("does not survive 16 GB");
        }
        while (high - low > Math.max(8, high / 32)) {
          const mid = Math.round((low + high) / 2);
          if (survives(file, mid)) high = mid;
          else low = mid;
        }
        console.log(`${shape.padEnd(9)} ${String(mb).padStart(7)}  ${String(high).padStart(6)} MB${" ".repeat(27)}${(high / mb).toFixed(1)}×`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
