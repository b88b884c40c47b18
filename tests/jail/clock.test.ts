import { describe, expect, test } from "bun:test";
import { FakeClock, systemClock } from "../../src/system/clock.ts";

describe("clocks", () => {
  test("FakeClock fires due timers in time order, including ones armed by callbacks", () => {
    const c = new FakeClock(1000);
    const fired: string[] = [];
    c.setTimer(1010, () => {
      fired.push(`b@${c.now()}`);
      c.setTimer(1015, () => fired.push(`d@${c.now()}`));
    });
    c.setTimer(1005, () => fired.push(`a@${c.now()}`));
    const cancelled = c.setTimer(1012, () => fired.push("never"));
    c.setTimer(1100, () => fired.push("later"));
    cancelled.cancel();
    c.advance(20);
    expect(fired).toEqual(["a@1005", "b@1010", "d@1015"]);
    expect(c.now()).toBe(1020);
    expect(c.pendingTimers()).toBe(1);
  });

  test("systemClock timers fire and can be cancelled", async () => {
    const t0 = systemClock.now();
    expect(Math.abs(t0 - Date.now() / 1000)).toBeLessThan(1);
    let fired = 0;
    systemClock.setTimer(t0 + 0.02, () => fired++);
    systemClock.setTimer(t0 + 0.02, () => fired++).cancel();
    await Bun.sleep(60);
    expect(fired).toBe(1);
  });
});
