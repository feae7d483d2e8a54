/**
 * Test certificates made with the `openssl` command line: a private CA and leaf certificates for
 * given host names (subjectAltName), plus a self-signed certificate no CA vouches for. Used to serve
 * `https://example.com`-style hosts from loopback with certificate checks left on.
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A key and certificate in PEM. */
export interface TestKeyPair {
  key: string;
  cert: string;
}

/** A test CA and what it can issue. */
export interface TestCertificateAuthority {
  /** The CA certificate (PEM): pass it as the custom CA option. */
  caCert: string;
  /** Issues a certificate for these DNS names, signed by the CA. */
  issue(hostnames: readonly string[]): TestKeyPair;
  /** A self-signed certificate for these names, not signed by the CA (must be refused). */
  selfSigned(hostnames: readonly string[]): TestKeyPair;
  /** Removes the temporary folder. */
  dispose(): void;
}

/** Creates a CA in a temporary folder with `openssl` (EC P-256 keys, valid for a day). */
export function createTestCertificateAuthority(): TestCertificateAuthority {
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-test-ca-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=ewsdav test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  let serial = 0;
  const leaf = (hostnames: readonly string[], signed: boolean): TestKeyPair => {
    serial++;
    const name = `leaf${serial}`;
    const san = hostnames.map((h) => (/^\d+\.\d+\.\d+\.\d+$/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(",");
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`);
    if (signed) {
      run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${hostnames[0] ?? "localhost"}`);
      run("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", String(1000 + serial), "-days", "1", "-out", `${name}.crt`, "-extfile", `${name}.ext`);
    } else {
      run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "1",
        "-subj", `/CN=${hostnames[0] ?? "localhost"}`, "-addext", `subjectAltName=${san}`);
    }
    return { key: readFileSync(join(dir, `${name}.key`), "utf8"), cert: readFileSync(join(dir, `${name}.crt`), "utf8") };
  };
  return {
    caCert: readFileSync(join(dir, "ca.crt"), "utf8"),
    issue: (hostnames) => leaf(hostnames, true),
    selfSigned: (hostnames) => leaf(hostnames, false),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
