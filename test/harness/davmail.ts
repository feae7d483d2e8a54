/**
 * DavMail (Debian `davmail-server`, a Java EWS ↔ CalDAV/CardDAV gateway) started headless on
 * loopback in EWS mode against a given EWS endpoint (the simulator), with its properties file and
 * log in a temporary folder. Installed with apt-get when running as root; otherwise the start fails
 * naming the package. Only the CalDAV/CardDAV listener is opened (IMAP, POP, SMTP and LDAP ports
 * are left empty, which DavMail reads as "do not start").
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./dav-servers.js";
import { ensureDebianPackages } from "./debian.js";

const JAR = "/usr/share/davmail/davmail.jar";

/** A running DavMail. */
export interface DavMailGateway {
  /** Base URL of its CalDAV/CardDAV listener, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** DavMail's log so far (DEBUG for davmail.*), for failure messages. */
  log(): string;
  /** Stops the JVM and removes the temporary folder. */
  stop(): Promise<void>;
}

/** Makes sure davmail-server (and a Java runtime) is installed, installing it when root. */
export function ensureDavMailInstalled(): void {
  const has = () => existsSync(JAR) && (() => {
    try {
      execFileSync("java", ["-version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  ensureDebianPackages("DavMail", ["davmail-server"], has);
}

/** Starts DavMail in EWS mode against `ewsUrl` and waits until its CalDAV port answers. */
export async function startDavMail(ewsUrl: string, extraProperties: Record<string, string> = {}): Promise<DavMailGateway> {
  ensureDavMailInstalled();
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-davmail-"));
  const port = await freePort();
  const logFile = join(dir, "davmail.log");
  const properties: Record<string, string> = {
    "davmail.server": "true",
    "davmail.mode": "EWS",
    "davmail.url": ewsUrl,
    "davmail.caldavPort": String(port),
    "davmail.imapPort": "",
    "davmail.ldapPort": "",
    "davmail.popPort": "",
    "davmail.smtpPort": "",
    "davmail.bindAddress": "127.0.0.1",
    "davmail.allowRemote": "false",
    "davmail.disableUpdateCheck": "true",
    "davmail.enableKeepAlive": "false",
    // Empty: no lower bound on event dates (the seeds are fixed dates in 2026).
    "davmail.caldavPastDelay": "",
    "davmail.logFilePath": logFile,
    "log4j.rootLogger": "WARN",
    "log4j.logger.davmail": "DEBUG",
    ...extraProperties,
  };
  const file = join(dir, "davmail.properties");
  writeFileSync(file, Object.entries(properties).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  let output = "";
  const child: ChildProcess = spawn("java", ["-Xmx256m", "-jar", JAR, file], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const log = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : output);
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      const text = log();
      await stop();
      throw new Error(`DavMail exited with code ${child.exitCode} before listening:\n${text}`);
    }
    if (/listening on CALDAV port/.test(log())) {
      try {
        await fetch(`${url}/`, { method: "OPTIONS" });
        return { url, log, stop };
      } catch {
        // not accepting yet
      }
    }
    if (Date.now() > deadline) {
      const text = log();
      await stop();
      throw new Error(`DavMail did not listen on ${url} within 60 s:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
