/**
 * Waiting in tests for something that happens asynchronously (a link coming up, an event being
 * ingested): polls a condition until it holds. The deadline (60 s unless given) is a safety net so a broken build
 * fails with a message instead of hanging; it is not what the test asserts.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  deadlineMs = 60_000,
  everyMs = 20,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
