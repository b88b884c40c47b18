import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dummyBackend } from "../../src/action/banaction.ts";
import { jailsEffector, remainingTimeout, type JailActions } from "../../src/action/effector.ts";
import { createCommandRunner } from "../../src/action/exec.ts";
import { shellAction } from "../../src/action/shell-action.ts";
import type { BanEntry, FirewallBackend } from "../../src/action/types.ts";
import type { BanTicket } from "../../src/ban/types.ts";

const dir = mkdtempSync(join(tmpdir(), "f2b-effector-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const spec = (jail: string) => ({ jail, ports: "ssh", protocol: "tcp", allports: false, chains: ["INPUT"], blocktype: "reject" });
const ticket = (jail: string, ip: string, over: Partial<BanTicket> = {}): BanTicket =>
  ({ jail, ip, time: 1000, failures: 3, matches: ["m"], banCount: 1, bantime: 600, ...over });

/** records the batches a real (dummy) backend receives */
function recording(inner: FirewallBackend): FirewallBackend & { batches: BanEntry[][] } {
  const batches: BanEntry[][] = [];
  return { ...inner, batches, ban: (s, e) => (batches.push(e), inner.ban(s, e)) };
}

test("remaining kernel timeout: what is left of the ban, null when permanent", () => {
  expect(remainingTimeout({ time: 1000, bantime: 600 }, 1100)).toBe(500);
  expect(remainingTimeout({ time: 1000, bantime: -1 }, 1100)).toBeNull();
});

test("bans reach the backend with remaining timeouts, batched per jail, and shell actions get ticket tags", async () => {
  const out = join(dir, "mail.txt");
  const a = recording(dummyBackend());
  const b = recording(dummyBackend());
  const mail = shellAction({ name: "mail", actionban: `echo "<ip> <failures> <bantime>" >> ${out}`, init: {} }, { run: createCommandRunner() });
  const jails = new Map<string, JailActions>([["a", { spec: spec("a"), backend: a, actions: [mail] }], ["b", { spec: spec("b"), backend: b }]]);
  const eff = jailsEffector(jails, { now: () => 1100 });
  await eff.banMany!([ticket("a", "192.0.2.1"), ticket("b", "192.0.2.2", { bantime: -1 }), ticket("a", "2001:db8::1")]);
  expect(a.batches).toEqual([[{ ip: "192.0.2.1", timeout: 500 }, { ip: "2001:db8::1", timeout: 500 }]]);
  expect(b.batches).toEqual([[{ ip: "192.0.2.2", timeout: null }]]);
  expect(readFileSync(out, "utf8")).toBe("192.0.2.1 3 600\n2001:db8::1 3 600\n");
  await eff.unban("a", "192.0.2.1");
  expect(await a.list(spec("a"))).toEqual(["2001:db8::1"]);
  await expect(eff.ban(ticket("nope", "192.0.2.9"))).rejects.toThrow(/no actions configured/);
});

test("a refused native ban rejects; a failing shell action is only logged", async () => {
  const errors: string[] = [];
  const log = { info() {}, warn() {}, error: (m: string) => errors.push(m) };
  const failing = shellAction({ name: "broken", actionban: "exit 3", init: {} }, { run: createCommandRunner() });
  const ok = jailsEffector(new Map([["a", { spec: spec("a"), backend: dummyBackend(), actions: [failing] }]]), { now: () => 0, log });
  await ok.ban(ticket("a", "192.0.2.1"));
  expect(errors.some((e) => e.includes("action broken ban 192.0.2.1"))).toBe(true);
  const refused = jailsEffector(new Map([["a", { spec: spec("a"), backend: dummyBackend() }]]), { now: () => 0 });
  await expect(refused.ban(ticket("a", "not-an-address"))).rejects.toThrow(/not an IP/);
  const shellOnly = jailsEffector(new Map([["a", { spec: spec("a"), actions: [failing] }]]), { now: () => 0, log });
  await expect(shellOnly.ban(ticket("a", "192.0.2.1"))).rejects.toThrow(/ban of 192.0.2.1 failed/);
});
