/** Polls until `cond` holds (bounded), so tests never sleep longer than needed. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5000, everyMs = 25): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await Bun.sleep(everyMs);
  }
  throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
}

/**
 * Polls until `read()` has not changed for `quietMs` and returns that value (bounded). For "the
 * reader has paused": a batch already handed over when the pause began may still land, so a test
 * takes the value once it has settled, then asserts it stays.
 */
export async function settled<T>(read: () => T, what: string, quietMs = 300, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let value = read();
  let since = Date.now();
  while (Date.now() < end) {
    await Bun.sleep(25);
    const now = read();
    if (now !== value) {
      value = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return value;
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what} to settle (last ${String(value)})`);
}
