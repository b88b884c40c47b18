/** Polls until `cond` holds (bounded), so tests never sleep longer than needed. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5000, everyMs = 25): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await Bun.sleep(everyMs);
  }
  throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
}
