/**
 * Runs the event mapper on one input at a time in a worker thread, under a per-input time limit
 * (test support for the bounds fuzzer). The mapper is synchronous, so an input it never returns
 * on cannot be stopped from its own thread; here the worker is terminated after the limit and the
 * input reported, and a fresh worker takes the next input.
 */
import { Worker } from "node:worker_threads";
import type { MapAnswer, MapRequest } from "./map-worker.test-support.js";

/** How one input went: its time and outcome, or `stalled` when the worker was terminated. */
export type MapRun = { ms: number; outcome: string } | { ms: number; outcome: "stalled" };

/** A worker thread running the event mapper, restarted after an input that stalls it. */
export class MapRunner {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private waiting = new Map<number, (answer: MapAnswer) => void>();
  private nextId = 1;

  /** `killAfterMs`: how long one input may run before the worker is terminated. */
  constructor(private readonly killAfterMs: number) {}

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    const worker = new Worker(new URL("./map-worker-boot.test-support.mjs", import.meta.url), { workerData: { module: new URL("./map-worker.test-support.ts", import.meta.url).href } });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      worker.once("error", reject);
      worker.on("message", (answer: MapAnswer) => {
        if (answer.id === -1) return resolve();
        this.waiting.get(answer.id)?.(answer);
        this.waiting.delete(answer.id);
      });
    });
    return this.ready;
  }

  /** Maps `text` (iCalendar, or with `kind: "ews"` an EWS item as JSON) in the worker and says how it went. */
  async run(text: string, timeZone: string, kind: "ics" | "ews" = "ics"): Promise<MapRun> {
    await this.start();
    const id = this.nextId++;
    const started = performance.now();
    return new Promise<MapRun>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        void this.stop();
        resolve({ ms: performance.now() - started, outcome: "stalled" });
      }, this.killAfterMs);
      this.waiting.set(id, (answer) => {
        clearTimeout(timer);
        resolve({ ms: answer.ms, outcome: answer.outcome });
      });
      this.worker!.postMessage({ id, text, timeZone, kind } satisfies MapRequest);
    });
  }

  /** Terminates the worker (the next run starts a new one). */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.ready = null;
    this.waiting.clear();
    if (worker) await worker.terminate();
  }
}
