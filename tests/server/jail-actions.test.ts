// JailEffector: kernel timeouts reach native backends; a native refusal is a failed ban even when
// a shell action succeeded; a failing shell action beside a native backend is only logged; with
// shell actions only, all of them failing is a failed ban.
import { afterAll, expect, test } from "bun:test";
import { memoryLog } from "../../src/system/log.ts";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dummyBackend } from "../../src/action/banaction.ts";
import { remainingTimeout, ticketInfo } from "../../src/action/effector.ts";
import { createCommandRunner } from "../../src/system/command.ts";
import { shellAction } from "../../src/action/shell-action.ts";
import type { BanEntry, FirewallBackend } from "../../src/action/types.ts";
import type { BanTicket } from "../../src/ban/types.ts";
import { FakeClock } from "../../src/system/clock.ts";
import { JailEffector, nativeAction, type JailActionRuntime } from "../../src/server/jail-actions.ts";
import type { Log } from "../../src/system/log.ts";

const dir = mkdtempSync(join(tmpdir(), "f2b-effector-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const spec = { jail: "a", ports: "ssh", protocol: "tcp", allports: false, chains: ["INPUT"], blocktype: "reject" };
const ticket = (ip: string, over: Partial<BanTicket> = {}): BanTicket => ({
  jail: "a",
  ip,
  time: 1000,
  failures: 3,
  matches: ["m"],
  banCount: 1,
  bantime: 600,
  ...over,
});

function recording(inner: FirewallBackend): FirewallBackend & { batches: BanEntry[][] } {
  const batches: BanEntry[][] = [];
  return {
    ...inner,
    batches,
    ban: (s, e) => {
      batches.push(e);
      return inner.ban(s, e);
    },
  };
}

function errorLog(): Log & { errors: string[] } {
  const errors: string[] = [];
  const noop = (): void => {};
  return { errors, critical: noop, error: (m) => void errors.push(m), warning: noop, notice: noop, info: noop, debug: noop, log: noop, isEnabled: () => true };
}

const runner = createCommandRunner();
function shell(name: string, actionban: string): JailActionRuntime {
  const a = shellAction({ name, actionban, init: {} }, { run: runner, log: memoryLog() });
  return {
    name,
    start: () => a.start(),
    stop: () => a.stop(),
    ban: async (ts) => {
      for (const t of ts) await a.ban(ticketInfo(t));
    },
    unban: async (ips) => {
      for (const ip of ips) await a.unban({ ip });
    },
  };
}

test("remaining kernel timeout: what is left of the ban, null when permanent", () => {
  expect(remainingTimeout({ time: 1000, bantime: 600 }, 1100)).toBe(500);
  expect(remainingTimeout({ time: 1000, bantime: -1 }, 1100)).toBeNull();
});

test("native backends get the remaining time (plus slack) in one batch; shell actions get ticket tags", async () => {
  const clock = new FakeClock(1100);
  const fw = recording(dummyBackend(memoryLog()));
  await fw.start(spec);
  const out = join(dir, "mail.txt");
  const eff = new JailEffector("a", [nativeAction("nft", fw, spec, clock), shell("mail", `echo "<ip> <failures> <bantime>" >> ${out}`)], errorLog());
  await eff.ban([ticket("192.0.2.1"), ticket("2001:db8::1", { bantime: -1 })]);
  expect(fw.batches).toEqual([
    [
      { ip: "192.0.2.1", timeout: 505 },
      { ip: "2001:db8::1", timeout: null },
    ],
  ]);
  expect(readFileSync(out, "utf8")).toBe("192.0.2.1 3 600\n2001:db8::1 3 -1\n");
  await eff.unban("a", ["192.0.2.1"]);
  expect(await fw.list(spec)).toEqual(["2001:db8::1"]);
});

test("a refused native ban fails even if a shell action succeeded; a failing shell action beside it is only logged", async () => {
  const clock = new FakeClock(1000);
  const fw = dummyBackend(memoryLog());
  await fw.start(spec);
  const log = errorLog();
  const withFailingShell = new JailEffector("a", [nativeAction("nft", fw, spec, clock), shell("broken", "exit 3")], log);
  await withFailingShell.ban([ticket("192.0.2.1")]);
  expect(log.errors.some((e) => e.includes("action 'broken' failed to ban 192.0.2.1"))).toBe(true);

  const refusing = new JailEffector("a", [nativeAction("nft", fw, spec, clock), shell("ok", "true")], errorLog());
  await expect(refusing.ban([ticket("not-an-address")])).rejects.toThrow(/action 'nft' failed to ban/);

  const shellOnly = new JailEffector("a", [shell("broken", "exit 3")], errorLog());
  await expect(shellOnly.ban([ticket("192.0.2.1")])).rejects.toThrow(/every action failed to ban 192\.0\.2\.1/);
  const shellOneOk = new JailEffector("a", [shell("broken", "exit 3"), shell("ok", "true")], errorLog());
  await shellOneOk.ban([ticket("192.0.2.1")]);
});
