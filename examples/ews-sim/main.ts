/**
 * `npm run ews-sim -- --port 8080 --user alice@example.com --password secret --seed small`
 *
 * Starts the EWS simulator on loopback, prints its URL, and runs until SIGINT/SIGTERM, then
 * stops cleanly. Options:
 *   --host HOST           interface (default 127.0.0.1)
 *   --port N              port (default 0: a free one)
 *   --user ADDRESS        mailbox / login (repeatable; default alice@example.com)
 *   --password SECRET     password for the users (default secret)
 *   --seed NAME           empty | small | large (default small)
 *   --schema-dir DIR      validate every request against the EWS schema in DIR
 */
import { parseArgs } from "node:util";
import { startEwsSimulator, type EwsSimulatorOptions } from "@ewsdav/ews-simulator";

const SEEDS = ["empty", "small", "large"] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "0" },
      user: { type: "string", multiple: true },
      password: { type: "string", default: "secret" },
      seed: { type: "string", default: "small" },
      "schema-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log("Usage: npm run ews-sim -- [--host 127.0.0.1] [--port 8080] [--user alice@example.com]... [--password secret] [--seed empty|small|large] [--schema-dir DIR]");
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${values.port}`);
  const seed = values.seed as (typeof SEEDS)[number];
  if (!SEEDS.includes(seed)) throw new Error(`--seed must be one of ${SEEDS.join(", ")}, got ${values.seed}`);
  const users = (values.user ?? ["alice@example.com"]).map((smtpAddress) => {
    if (!/^[^@\s]+@[^@\s]+$/.test(smtpAddress)) throw new Error(`--user must be an SMTP address, got ${smtpAddress}`);
    return { smtpAddress, password: values.password };
  });
  const options: EwsSimulatorOptions = { host: values.host, port, users, seed, schemaDir: values["schema-dir"], maxRecordedExchanges: 1000 };
  const sim = await startEwsSimulator(options);
  console.log(`EWS simulator listening at ${sim.url}`);
  for (const user of users) {
    const box = sim.mailbox(user.smtpAddress);
    const count = (id: string) => box.folder(id).totalCount;
    console.log(`  mailbox ${user.smtpAddress}: ${count("contacts")} items in Contacts, ${count("calendar")} in Calendar, ${count("tasks")} in Tasks (Basic auth; password given on the command line)`);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, stopping`);
    sim.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
