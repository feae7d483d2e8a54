/**
 * A state store that dies as a process killed with SIGKILL does: once `dead` is set it refuses
 * every write (what was committed stays) and its lease calls, so the lease expires and a new engine
 * resumes from the journal.
 */
import type { StateStore } from "@ewsdav/core";

/** What a dead store throws (and what a test throws to stop a "killed" cycle). */
export class Killed extends Error {}

/** Methods a dead process no longer gets to call. */
const REFUSED = new Set<PropertyKey>(["write", "acquireLease", "renewLease", "releaseLease", "recordRun"]);

/** `inner`, refusing every write once `dead` is set. */
export function mortal(inner: StateStore): StateStore & { dead: boolean } {
  const state = { dead: false };
  return new Proxy(inner as StateStore & { dead: boolean }, {
    get(target, key) {
      if (key === "dead") return state.dead;
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => (state.dead && REFUSED.has(key) ? Promise.reject(new Killed("dead")) : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
    set(_target, key, value) {
      if (key !== "dead") return false;
      state.dead = value as boolean;
      return true;
    },
  });
}
