/**
 * The service's Prometheus metrics (prom-client, a registry of its own, every name prefixed
 * `ewsdav_`), fed by the workers' {@link WorkerOptions.onJob}: cycles by outcome and trigger, items
 * written by side and action, errors by code, lease takeovers, the cycle duration; in active mode
 * the push subscriptions this process watches ({@link ActiveOptions.onSubscription}); the queue
 * depth is read from the fleet on each scrape. Labels are bounded (outcomes, sides, actions, error codes): never
 * a pair id or an account.
 * @module
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ActiveOptions, JobDetails, JobOutcome, SubscriptionEvent, WorkerOptions } from "@ewsdav/core/fleet";

/** Options of {@link ServiceMetrics}. */
export interface ServiceMetricsOptions {
  /** Jobs waiting in the queue (`fleet.queueDepth()`), read on each scrape. */
  queueDepth?: () => Promise<number>;
  /** How long a scrape waits for the queue depth (default 2 s); the gauge keeps its last value meanwhile. */
  queueDepthTimeoutMs?: number;
  /** Node's process metrics (CPU, memory, event loop lag, handles), prefixed `ewsdav_` (default true). */
  processMetrics?: boolean;
}

const ACTIONS = ["created", "updated", "deleted", "tagged"] as const;

/** The metrics of one service process. Give {@link onJob} to each worker. */
export class ServiceMetrics {
  /** The registry `/metrics` serves. */
  readonly registry = new Registry();
  readonly cycles: Counter<"outcome" | "trigger">;
  readonly items: Counter<"side" | "action">;
  readonly errors: Counter<"code">;
  readonly takeovers: Counter;
  readonly duration: Histogram<"outcome">;
  readonly queueDepth: Gauge;
  readonly subscriptions: Gauge;
  readonly subscriptionEvents: Counter<"type">;
  readonly #watched = new Set<string>();

  constructor(options: ServiceMetricsOptions = {}) {
    const registers = [this.registry];
    this.cycles = new Counter({ name: "ewsdav_cycles_total", help: "Jobs run by this process's workers, by outcome (ok, failed, parked, busy, aborted, gone) and trigger (schedule, notice, trigger).", labelNames: ["outcome", "trigger"], registers });
    this.items = new Counter({ name: "ewsdav_items_written_total", help: "Items written by the cycles, by side (local, remote) and action (created, updated, deleted, tagged).", labelNames: ["side", "action"], registers });
    this.errors = new Counter({ name: "ewsdav_errors_total", help: "Errors of the cycles by code: a pair's stop (feed-failed, mass-delete, …), an item's failure, or job-failed when no cycle ran.", labelNames: ["code"], registers });
    this.takeovers = new Counter({ name: "ewsdav_lease_takeovers_total", help: "Cycles that took over a pair lease left to expire by another worker (it died or hung mid-cycle).", registers });
    this.duration = new Histogram({
      name: "ewsdav_cycle_duration_seconds",
      help: "From a job's start to its outcome recorded, by outcome.",
      labelNames: ["outcome"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
      registers,
    });
    const read = options.queueDepth;
    const timeoutMs = options.queueDepthTimeoutMs ?? 2_000;
    this.queueDepth = new Gauge({
      name: "ewsdav_queue_depth",
      help: "Jobs waiting in the fleet's queue (not those running), read on each scrape.",
      registers,
      async collect() {
        if (!read) return;
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          const depth = await Promise.race([read(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), timeoutMs)))]);
          this.set(depth);
        } catch {
          // The database is away: the last value stays, and /readyz says so.
        } finally {
          clearTimeout(timer);
        }
      },
    });
    this.subscriptions = new Gauge({ name: "ewsdav_subscriptions", help: "Accounts whose push subscription this process's workers own and watch (active mode).", registers });
    this.subscriptionEvents = new Counter({
      name: "ewsdav_subscription_events_total",
      help: "Push subscriptions claimed, released (graceful stop, rebalancing) and lost (lease not renewed) by this process's workers (active mode).",
      labelNames: ["type"],
      registers,
    });
    for (const outcome of ["ok", "failed"]) {
      this.cycles.inc({ outcome, trigger: "schedule" }, 0);
      this.duration.zero({ outcome });
    }
    for (const side of ["local", "remote"]) for (const action of ACTIONS) this.items.inc({ side, action }, 0);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "ewsdav_" });
  }

  /** A worker's {@link WorkerOptions.onJob}: counts one job. */
  readonly onJob: NonNullable<WorkerOptions["onJob"]> = (_pairId: string, outcome: JobOutcome, details: JobDetails) => {
    this.cycles.inc({ outcome, trigger: details.trigger ?? "schedule" });
    this.duration.observe({ outcome }, details.durationMs / 1000);
    if (details.tookOverFrom !== undefined) this.takeovers.inc();
    const report = details.report;
    if (report) {
      for (const side of ["local", "remote"] as const) {
        for (const action of ACTIONS) {
          const n = report[side][action].length;
          if (n > 0) this.items.inc({ side, action }, n);
        }
      }
      if (report.error) this.errors.inc({ code: report.error.code });
      for (const e of report.errors) this.errors.inc({ code: e.code });
    } else if (outcome === "failed") {
      // The cycle did not run: its sides did not open, or its folder was not found. (A job that
      // parks its pair without a report is not told apart from one that found it parked: not counted.)
      this.errors.inc({ code: "job-failed" });
    }
  };

  /** A worker's {@link ActiveOptions.onSubscription}: counts claims, releases and losses, and the subscriptions watched. */
  readonly onSubscription: NonNullable<ActiveOptions["onSubscription"]> = (event: SubscriptionEvent) => {
    this.subscriptionEvents.inc({ type: event.type });
    if (event.type === "claimed") this.#watched.add(event.accountId);
    else this.#watched.delete(event.accountId);
    this.subscriptions.set(this.#watched.size);
  };

  /** The text exposition `/metrics` serves, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
