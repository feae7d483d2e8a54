/**
 * The fleet's active mode: push subscriptions owned by workers, one worker at a time per mailbox.
 *
 * - **What is watched**: one subscription per remote account that has push (EWS with its mailbox
 *   named) and at least one pair that is linked in the state (its folder known) and not parked.
 *   The subscription is the EWS side's own push ({@link SyncSide.watch}: streaming, pull where
 *   streaming is refused), over the folders of those pairs.
 * - **Ownership** is a lease row per account (`subscriptions`: owner, fencing token, expiry). A
 *   worker renews its rows every `ttlMs / 3`; claims free or expired rows (`FOR UPDATE SKIP
 *   LOCKED`, the token moved on); releases them on a graceful stop, so another worker claims them
 *   at its next tick; a killed worker's rows are claimed once they expire (`ttlMs`). A watch
 *   acts only while its lease is valid by the worker's own clock (renewed less than `ttlMs` ago,
 *   less a margin); a renewal that fails or finds the row taken stops the watch at once, so two
 *   workers never act for one mailbox.
 * - **Balance**: each worker in active mode keeps a heartbeat row (`active_workers`); its share is
 *   ⌈accounts to watch ÷ live workers⌉ (at most `maxSubscriptions`). A worker below its share
 *   claims up to it; one above it (a worker joined) releases the excess, which the others claim.
 * - **Notices → jobs**: a notice naming a folder (items or a coarse event) enqueues a job for each
 *   pair of that folder, singleton key = pair id as the scheduler's, with trigger `notice`: its
 *   cycle reads the remote change feed only (the local side is polled by the pair's schedule). A
 *   connect, reconnect, gap, or a fresh claim (a handover) enqueues such a cycle of every pair of
 *   the account, catching up on what changed while nobody watched. Pairs linked, unlinked or
 *   parked later join or leave the watch at the next tick (the subscription is made again over
 *   the new folders).
 * @module
 */
import type { Pool } from "pg";
import type { Logger } from "../engine/log.js";
import type { SideNotice } from "../engine/side.js";
import type { FleetAccountConfig } from "./accounts.js";
import { hasPush, openPush, type OpenedPush, type PushTuning } from "./active-side.js";
import type { KeyRing } from "./keys.js";

/** Options of a worker's active mode ({@link WorkerOptions.active}). */
export interface ActiveOptions {
  /** The most subscriptions this worker owns (default 500). */
  maxSubscriptions?: number;
  /**
   * Time to live of a subscription's lease (default 30 s), renewed every third of it: a killed
   * worker's subscriptions are claimed by others after it.
   */
  ttlMs?: number;
  /** After an account's push failed, it is opened again after this long (default 30 s); its pairs' remote feeds are read at once. */
  pushRetryMs?: number;
  /** Notices this close together are sent as one batch of jobs (default 20 ms). */
  batchMs?: number;
  /** Tuning of the EWS streaming subscriptions. */
  streaming?: PushTuning;
  /** Told when this worker starts or stops watching an account (metrics, logs). */
  onSubscription?: (event: SubscriptionEvent) => void;
}

/** A change of a subscription's owner, as the worker that made it tells it. */
export interface SubscriptionEvent {
  /**
   * `claimed`: this worker owns the account's subscription and watches it; `released`: it stopped
   * watching and freed the lease (graceful stop, rebalancing, no pair left to watch); `lost`: its
   * lease could not be renewed (taken, expired, the database away), and it stopped watching at once.
   */
  type: "claimed" | "released" | "lost";
  accountId: string;
  /** The lease's fencing token (moves on with each claim). */
  token: number;
  /**
   * On `claimed`: the worker whose expired lease was taken over (it died or hung), `null` when the
   * lease was free (new, or released by a worker that stopped or rebalanced).
   */
  from?: string | null;
  /** The pairs watched (on `claimed`). */
  pairs?: string[];
}

/** What active mode needs from its fleet and worker. */
export interface ActiveContext {
  pool: Pool;
  /** The quoted fleet schema. */
  s: string;
  /** The quoted schema of the PostgreSQL store (its pairs: the linked folders). */
  storeSchema: string;
  worker: string;
  keys: () => KeyRing;
  /** Enqueues a notice's job of each pair (remote change feed). */
  enqueue: (pairIds: string[]) => Promise<void>;
  logger: Logger;
}

/** Per watched account: folder id → its pairs. */
type Links = Map<string, string[]>;

const sameFolders = (a: Links, b: Links) => a.size === b.size && [...a.keys()].every((k) => b.has(k));

/** One owned subscription: the account's push, its notices turned into jobs. */
class AccountWatch {
  readonly #stop = new AbortController();
  #session: AbortController | undefined;
  #retry: { timer: ReturnType<typeof setTimeout>; wake: () => void } | undefined;
  #expiry: ReturnType<typeof setTimeout> | undefined;
  validUntil = 0;
  done: Promise<void> = Promise.resolve();

  constructor(
    readonly owner: ActiveOwner,
    readonly accountId: string,
    readonly token: number,
    public links: Links,
  ) {}

  get stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  /** Whether the lease is still this worker's by its own clock. */
  valid(): boolean {
    return !this.stopped && Date.now() < this.validUntil;
  }

  /** Takes a renewal: valid until `until` (local clock), stopped by the owner then unless renewed again. */
  renewed(until: number): void {
    this.validUntil = until;
    clearTimeout(this.#expiry);
    this.#expiry = setTimeout(() => this.owner.expired(this), Math.max(0, until - Date.now()));
  }

  start(): void {
    this.done = this.#run();
  }

  /** New links: folders added or removed make the subscription again (its "connected" reads every feed). */
  setLinks(links: Links): void {
    const changed = !sameFolders(this.links, links);
    this.links = links;
    if (changed) this.#session?.abort();
  }

  #pairs(): string[] {
    return [...new Set([...this.links.values()].flat())];
  }

  #request(pairIds: readonly string[]): void {
    if (!this.valid()) return;
    this.owner.request(pairIds);
  }

  #handle(notice: SideNotice): void {
    switch (notice.type) {
      case "status":
        // Live (again): read the remote feeds once for what happened before.
        if (notice.state === "connected" || notice.state === "pull") this.#request(this.#pairs());
        return;
      case "gap":
        this.#request(this.#pairs());
        return;
      case "collection":
      case "items":
        this.#request(this.links.get(notice.collection) ?? []);
        return;
    }
  }

  async #run(): Promise<void> {
    const { settings, ctx } = this.owner;
    while (!this.stopped) {
      const session = new AbortController();
      this.#session = session;
      const signal = AbortSignal.any([this.#stop.signal, session.signal]);
      let opened: OpenedPush | undefined;
      try {
        opened = await this.owner.openAccount(this.accountId);
        for await (const notice of opened.side.watch([...this.links.keys()], signal)) {
          if (!this.valid()) break;
          this.#handle(notice);
        }
        if (!signal.aborted && this.valid()) throw new Error("the push ended");
      } catch (error) {
        if (signal.aborted || this.stopped) continue;
        const message = error instanceof Error ? error.message : String(error);
        ctx.logger.warn("fleet push failed, reading the feeds and opening it again later", { account: this.accountId, worker: ctx.worker, error: message });
        // Changes meanwhile are in the remote feeds: read them now, and open the push again later.
        this.#request(this.#pairs());
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, settings.pushRetryMs);
          this.#retry = { timer, wake: resolve };
        });
        this.#retry = undefined;
      } finally {
        await opened?.close().catch(() => undefined);
      }
    }
  }

  /** Stops watching (at once: its notices are dropped from now on) and waits for the push to close. */
  async stop(): Promise<void> {
    this.#stop.abort();
    clearTimeout(this.#expiry);
    if (this.#retry) {
      clearTimeout(this.#retry.timer);
      this.#retry.wake();
    }
    await this.done;
  }
}

/** Settings of active mode with their defaults. */
type Settings = Required<Pick<ActiveOptions, "maxSubscriptions" | "ttlMs" | "pushRetryMs" | "batchMs">>;

/** A worker's share of the fleet's push subscriptions: claims, renews, watches and releases them. */
export class ActiveOwner {
  readonly settings: Settings;
  readonly #watches = new Map<string, AccountWatch>();
  readonly #pending = new Set<string>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ticking: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(
    readonly ctx: ActiveContext,
    readonly options: ActiveOptions = {},
  ) {
    this.settings = {
      maxSubscriptions: options.maxSubscriptions ?? 500,
      ttlMs: options.ttlMs ?? 30_000,
      pushRetryMs: options.pushRetryMs ?? 30_000,
      batchMs: options.batchMs ?? 20,
    };
    if (!(this.settings.ttlMs >= 300)) throw new TypeError("active.ttlMs: at least 300 ms");
  }

  /** The accounts this worker watches now. */
  owned(): string[] {
    return [...this.#watches.keys()].sort();
  }

  /** Runs the first tick (claims its share) and then one every `ttlMs / 3`. */
  async start(): Promise<void> {
    await this.#runTick();
  }

  #runTick(): Promise<void> {
    this.#ticking = this.#tick()
      .catch((error: unknown) => {
        // Not renewed: every watch stops at once (their leases may expire before the next tick).
        this.ctx.logger.warn("fleet subscriptions not renewed, watches stopped", { worker: this.ctx.worker, error: error instanceof Error ? error.message : String(error) });
        for (const watch of [...this.#watches.values()]) this.#drop(watch, "lost");
      })
      .finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(() => void this.#runTick(), Math.max(100, Math.floor(this.settings.ttlMs / 3)));
      });
    return this.#ticking;
  }

  /** The lease of `watch` ran out before a renewal: it stops at once. */
  expired(watch: AccountWatch): void {
    if (this.#watches.get(watch.accountId) !== watch) return;
    this.ctx.logger.warn("fleet subscription lease ran out unrenewed, watch stopped", { account: watch.accountId, worker: this.ctx.worker });
    this.#drop(watch, "lost");
  }

  /** Queues a notice's jobs; notices close together go as one batch. */
  request(pairIds: readonly string[]): void {
    if (this.#stopped || pairIds.length === 0) return;
    for (const id of pairIds) this.#pending.add(id);
    this.#flushTimer ??= setTimeout(() => {
      this.#flushTimer = undefined;
      const ids = [...this.#pending].sort();
      this.#pending.clear();
      this.#flushing = this.#flushing.then(() =>
        this.ctx.enqueue(ids).catch((error: unknown) => {
          // The database is away: the pairs' scheduled cycles and the next gap catch up.
          this.ctx.logger.warn("fleet notice jobs not enqueued", { pairs: ids.length, worker: this.ctx.worker, error: error instanceof Error ? error.message : String(error) });
        }),
      );
    }, this.settings.batchMs);
  }

  /** Opens an account's push with its stored secret. @internal */
  async openAccount(accountId: string): Promise<OpenedPush> {
    const { rows } = await this.ctx.pool.query<{ id: string; config: FleetAccountConfig; secret: string | null }>(`SELECT id, config, secret FROM ${this.ctx.s}.accounts WHERE id = $1`, [accountId]);
    const row = rows[0];
    if (!row) throw new Error(`account ${accountId} is gone`);
    if (!hasPush(row.config)) throw new Error(`account ${accountId} has no push (EWS with a mailbox)`);
    const secret = row.secret === null ? undefined : this.ctx.keys().decrypt(row.secret, `account ${row.id}`);
    return openPush(row.id, row.config, secret, this.options.streaming);
  }

  #tell(event: SubscriptionEvent): void {
    const { logger, worker } = this.ctx;
    logger.info(`fleet subscription ${event.type}`, { account: event.accountId, worker, token: event.token, ...(event.from !== undefined ? { from: event.from } : {}) });
    try {
      this.options.onSubscription?.(event);
    } catch {
      // a host's callback never stops the watch
    }
  }

  /** Stops a watch at once (lost) or stops it and frees its row (released). */
  #drop(watch: AccountWatch, type: "lost" | "released"): Promise<void> {
    this.#watches.delete(watch.accountId);
    const stopped = watch.stop();
    this.#tell({ type, accountId: watch.accountId, token: watch.token });
    if (type === "lost") return stopped;
    return stopped.then(async () => {
      await this.ctx.pool.query(`UPDATE ${this.ctx.s}.subscriptions SET owner = NULL, expires_at = NULL WHERE account_id = $1 AND owner = $2 AND token = $3`, [watch.accountId, this.ctx.worker, watch.token]);
    });
  }

  async #tick(): Promise<void> {
    const { pool, s, worker } = this.ctx;
    const { ttlMs, maxSubscriptions } = this.settings;
    if (this.#stopped) return;
    // 1. Renew what this worker holds (only leases still valid in the database); the rest is lost.
    const renewStart = Date.now();
    await pool.query(
      `INSERT INTO ${s}.active_workers (id, expires_at) VALUES ($1, now() + $2 * interval '1 millisecond') ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at`,
      [worker, ttlMs],
    );
    const { rows: renewed } = await pool.query<{ account_id: string; token: string }>(
      `UPDATE ${s}.subscriptions SET expires_at = now() + $2 * interval '1 millisecond' WHERE owner = $1 AND expires_at > now() RETURNING account_id, token`,
      [worker, ttlMs],
    );
    if (this.#stopped) return;
    // Valid by this worker's clock until a margin before the row's expiry (set after renewStart).
    const until = renewStart + ttlMs - Math.min(1_000, Math.floor(ttlMs / 10));
    const held = new Map(renewed.map((r) => [r.account_id, Number(r.token)]));
    for (const watch of [...this.#watches.values()]) {
      if (held.get(watch.accountId) === watch.token) watch.renewed(until);
      else this.#drop(watch, "lost");
    }
    // Rows held under this id without a watch (a previous life of this worker id): freed.
    for (const [accountId, token] of held) {
      if (!this.#watches.has(accountId)) await pool.query(`UPDATE ${s}.subscriptions SET owner = NULL, expires_at = NULL WHERE account_id = $1 AND owner = $2 AND token = $3`, [accountId, worker, token]);
    }
    // 2. What is to be watched: accounts with push and linked, unparked pairs, by folder.
    const { rows: links } = await pool.query<{ account: string; config: FleetAccountConfig; pair: string; folder: string }>(
      `SELECT p.remote_account AS account, a.config, p.id AS pair, sp.remote_collection AS folder
         FROM ${s}.pairs p JOIN ${s}.schedules sc ON sc.pair_id = p.id JOIN ${s}.accounts a ON a.id = p.remote_account
         JOIN ${this.ctx.storeSchema}.pairs sp ON sp.id = p.id
        WHERE a.type = 'ews' AND sc.parked_at IS NULL AND sp.remote_side = p.remote_account ORDER BY p.id`,
    );
    const wanted = new Map<string, Links>();
    for (const r of links) {
      if (!hasPush(r.config)) continue;
      const folders = wanted.get(r.account) ?? new Map<string, string[]>();
      folders.set(r.folder, [...(folders.get(r.folder) ?? []), r.pair]);
      wanted.set(r.account, folders);
    }
    if (wanted.size > 0) await pool.query(`INSERT INTO ${s}.subscriptions (account_id) SELECT unnest($1::text[]) ON CONFLICT (account_id) DO NOTHING`, [[...wanted.keys()]]);
    // 3. Held watches follow their pairs; one with none left is released.
    for (const watch of [...this.#watches.values()]) {
      const now = wanted.get(watch.accountId);
      if (now) watch.setLinks(now);
      else await this.#drop(watch, "released");
    }
    if (this.#stopped) return;
    // 4. The share: ⌈accounts ÷ live workers⌉; above it, release the excess; below it, claim.
    const { rows: live } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s}.active_workers WHERE expires_at > now()`);
    const share = Math.min(maxSubscriptions, Math.ceil(wanted.size / Math.max(1, live[0]!.n)));
    const excess = this.#watches.size - share;
    if (excess > 0 && live[0]!.n > 1) {
      for (const watch of [...this.#watches.values()].sort((a, b) => b.accountId.localeCompare(a.accountId)).slice(0, excess)) await this.#drop(watch, "released");
      return;
    }
    const room = share - this.#watches.size;
    if (room <= 0) return;
    const { rows: claimed } = await pool.query<{ account_id: string; token: string; previous: string | null }>(
      `WITH c AS (
         SELECT account_id, owner FROM ${s}.subscriptions
          WHERE account_id = ANY($2) AND (owner IS NULL OR expires_at IS NULL OR expires_at <= now())
          ORDER BY account_id LIMIT $3 FOR UPDATE SKIP LOCKED)
       UPDATE ${s}.subscriptions x SET owner = $1, token = x.token + 1, expires_at = now() + $4 * interval '1 millisecond', claimed_at = now()
         FROM c WHERE x.account_id = c.account_id
       RETURNING x.account_id, x.token, c.owner AS previous`,
      [worker, [...wanted.keys()], room, ttlMs],
    );
    for (const r of claimed) {
      const folders = wanted.get(r.account_id)!;
      const watch = new AccountWatch(this, r.account_id, Number(r.token), folders);
      if (this.#stopped) {
        await pool.query(`UPDATE ${s}.subscriptions SET owner = NULL, expires_at = NULL WHERE account_id = $1 AND owner = $2 AND token = $3`, [r.account_id, worker, Number(r.token)]);
        continue;
      }
      this.#watches.set(r.account_id, watch);
      watch.renewed(until);
      this.#tell({ type: "claimed", accountId: r.account_id, token: watch.token, from: r.previous, pairs: [...new Set([...folders.values()].flat())] });
      watch.start();
      // A fresh claim (a handover): read what changed while nobody watched.
      this.request([...new Set([...folders.values()].flat())]);
    }
  }

  /** Stops: every watch stopped and its lease freed (another worker claims it at its next tick), the heartbeat removed. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#ticking;
    await Promise.all([...this.#watches.values()].map((w) => this.#drop(w, "released").catch(() => undefined)));
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    await this.#flushing;
    await this.ctx.pool.query(`DELETE FROM ${this.ctx.s}.active_workers WHERE id = $1`, [this.ctx.worker]).catch(() => undefined);
  }
}
