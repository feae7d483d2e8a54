/**
 * Waiting for an outcome in tests of live behaviour (active mode, servers): `until` polls a
 * condition and fails, naming what it waited for, when it does not hold in time. The bound is a
 * safety net against a hang, not an assertion on speed.
 */

/** Waits until `check` holds, polling every `everyMs`; throws naming `what` after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
