/**
 * `npm run service -- [options]`: the fleet's service host. Opens the fleet on `DATABASE_URL`,
 * runs its scheduler and workers, and serves the HTTP API of `server.ts` until SIGTERM/SIGINT,
 * then stops gracefully: the API closes, the workers let running cycles finish (`--grace-ms`).
 *
 * Environment: `DATABASE_URL` (PostgreSQL), `EWSDAV_SERVICE_TOKEN` (the API's bearer token, at
 * least 16 characters), `EWSDAV_FLEET_KEYS` (the keys secrets are encrypted under).
 * `--embedded-test-db` needs none of them: it starts a throwaway PostgreSQL with the repository's
 * test harness (a try-out from a clone), makes a token and a key for the session and prints the
 * token, and removes the cluster on exit. See README.md.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { Fleet, KeyRing, FLEET_KEYS_ENV } from "@ewsdav/core/fleet";
import { ServiceMetrics } from "./metrics.js";
import { buildService, type ServiceState } from "./server.js";

const USAGE = `Usage: npm run service -- [options]
  --host HOST             interface to listen on (default 127.0.0.1)
  --port N                port (default 8787; 0: a free one)
  --workers N             workers in this process (default 1)
  --concurrency N         cycles at once per worker (default 1)
  --no-worker             run no worker (an API-only host)
  --no-scheduler          run no scheduler (another host schedules)
  --active                active mode: the workers own the EWS accounts' push subscriptions
                          (one worker per mailbox across hosts); a change syncs within seconds
  --tick-ms N             how often the scheduler looks for due pairs (default 5000)
  --grace-ms N            on SIGTERM, how long running cycles may finish (default 30000)
  --pool-size N           PostgreSQL connections of this process (default 10)
  --open-metrics          serve /metrics without the token
  --log-level LEVEL       fatal, error, warn, info (default), debug, silent
  --embedded-test-db      a throwaway PostgreSQL, token and key for a try-out (prints the token)
Environment: DATABASE_URL, EWSDAV_SERVICE_TOKEN, EWSDAV_FLEET_KEYS (not needed with --embedded-test-db).`;

function count(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${text}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8787" },
      workers: { type: "string", default: "1" },
      concurrency: { type: "string", default: "1" },
      "no-worker": { type: "boolean", default: false },
      "no-scheduler": { type: "boolean", default: false },
      active: { type: "boolean", default: false },
      "tick-ms": { type: "string", default: "5000" },
      "grace-ms": { type: "string", default: "30000" },
      "pool-size": { type: "string", default: "10" },
      "open-metrics": { type: "boolean", default: false },
      "log-level": { type: "string", default: "info" },
      "embedded-test-db": { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = count("port", values.port, 0);
  if (port > 65535) throw new Error(`--port must be a port number, got ${values.port}`);
  const workers = values["no-worker"] ? 0 : count("workers", values.workers, 1);
  const concurrency = count("concurrency", values.concurrency, 1);
  const tickMs = count("tick-ms", values["tick-ms"], 100);
  const graceMs = count("grace-ms", values["grace-ms"], 0);
  const poolSize = count("pool-size", values["pool-size"], 2);
  const embedded = values["embedded-test-db"];

  // The database, the token and the keys: from the environment, or made for a try-out.
  let stopCluster: (() => Promise<void>) | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  let token = process.env.EWSDAV_SERVICE_TOKEN;
  if (embedded) {
    // The repository's test harness (not part of a published package): a try-out from a clone.
    const { startPostgres } = await import("../../test/harness/postgres.js");
    const cluster = await startPostgres();
    stopCluster = () => cluster.stop();
    databaseUrl = await cluster.createDatabase("ewsdav");
    console.log(`embedded test database: ${databaseUrl} (removed when the service stops)`);
    if (!process.env[FLEET_KEYS_ENV]) process.env[FLEET_KEYS_ENV] = `session:${KeyRing.generateKey()}`;
    if (!token) {
      token = randomBytes(24).toString("base64url");
      console.log(`bearer token for this session: ${token}`);
    }
  }
  if (!databaseUrl) throw new Error("DATABASE_URL is not set (or try --embedded-test-db)");
  if (!token || token.length < 16) throw new Error("EWSDAV_SERVICE_TOKEN must be set to at least 16 characters (e.g. openssl rand -base64 24)");
  // The keys are read now, so a host with none fails at start rather than at its first account.
  const keys = KeyRing.fromEnv();

  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  const state: ServiceState = { fleetOpen: false, workersWanted: workers, workersRunning: 0, schedulerWanted: !values["no-scheduler"], schedulerRunning: false };
  let app: ReturnType<typeof buildService> | undefined;
  // The pool's idle connections lost (the database restarted): logged, /readyz tells; never fatal.
  pool.on("error", (error) => app?.log.warn({ message: error.message }, "database connection lost"));
  const fleet = await Fleet.open({
    pool,
    keys,
    logger: {
      debug: (message, fields) => app?.log.debug(fields ?? {}, message),
      info: (message, fields) => app?.log.info(fields ?? {}, message),
      warn: (message, fields) => app?.log.warn(fields ?? {}, message),
      error: (message, fields) => app?.log.error(fields ?? {}, message),
    },
  });
  state.fleetOpen = true;
  const metrics = new ServiceMetrics({ queueDepth: () => fleet.queueDepth() });
  app = buildService(fleet, {
    token,
    metrics,
    state,
    openMetrics: values["open-metrics"],
    checkDatabase: () => pool.query("SELECT 1"),
    logger: { level: values["log-level"] },
  });
  await app.listen({ host: values.host, port });
  const address = app.server.address();
  const where = typeof address === "object" && address ? `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}` : String(address);
  console.log(`ewsdav service listening at ${where}`);

  // The fleet keeps their handles: its stop() stops them.
  if (state.schedulerWanted) {
    fleet.startScheduler({ tickMs });
    state.schedulerRunning = true;
  }
  for (let i = 0; i < workers; i++) {
    await fleet.startWorker({
      concurrency,
      id: `${hostname()}/${process.pid}/w${i + 1}`,
      onJob: metrics.onJob,
      ...(values.active ? { active: { onSubscription: metrics.onSubscription } } : {}),
    });
    state.workersRunning++;
  }
  console.log(`running ${state.schedulerWanted ? "a scheduler" : "no scheduler"} and ${workers} worker(s) × ${concurrency}${values.active && workers > 0 ? ", active mode" : ""}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    state.fleetOpen = false;
    console.log(`${signal} received, stopping (running cycles get ${graceMs} ms)`);
    (async () => {
      await app!.close();
      await fleet.stop({ graceMs });
      state.workersRunning = 0;
      state.schedulerRunning = false;
      await pool.end();
      await stopCluster?.();
    })().then(
      () => {
        console.log("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
