// One batch of new and prolonged bans (ban-batch.ts) into store and firewall: one store
// transaction, then one effector call. A ban is durable before the firewall changes and withdrawn
// from the store if either step fails.
import type { Batch } from "./ban-batch.ts";
import type { BanIndex } from "./ban-index.ts";
import { banMessage, type BanReport } from "./ban-report.ts";
import { type BanEntry, nextState } from "./ban-state.ts";
import type { BanEffector, BanReceipt, BanStore } from "./types.ts";

/** A new ban waiting for its batch; `restored`: logged as "Restore Ban", not published. */
export interface NewBan {
  entry: BanEntry;
  restored: boolean;
  done(r: "banned" | "failed"): void;
}

export interface ApplyContext {
  jail: string;
  store: BanStore;
  effector: BanEffector;
  index: BanIndex;
  report: BanReport;
  /** A new ban reached the firewall (now "active"): count, schedule its end, publish. */
  applied(n: NewBan): void;
}

export async function applyBanBatch(ctx: ApplyContext, { added, prolonged }: Batch<NewBan, BanEntry>): Promise<void> {
  // A move the state table forbids is a bug: logged, and the ban's caller is answered all the same
  // (never left waiting on a batch that threw half-way). undefined: the move was refused.
  const move = (n: NewBan, step: "applied" | "apply-refused"): BanEntry["state"] | null | undefined => {
    try {
      return nextState(n.entry.state, step);
    } catch (e) {
      ctx.report.log("error", `Ban ${n.entry.ip}: ${(e as Error).message}`);
      return undefined;
    }
  };
  /** A refused ban leaves the current bans (also after a forbidden move: it is not in the firewall). */
  const leaves = (n: NewBan): boolean => (move(n, "apply-refused") ?? null) === null;
  // A prolonged entry that is "applying" carries its new end in its own ticket; one being removed is gone.
  const live = prolonged.filter((e) => e.state === "active");
  const fail = (n: NewBan, receipt: BanReceipt | null, msg: string): void => {
    if (leaves(n) && ctx.index.get(n.entry.ip) === n.entry) ctx.index.delete(n.entry.ip);
    try {
      receipt?.withdraw();
    } catch (we) {
      ctx.report.log("error", `Failed to withdraw stored ban of ${n.entry.ip}: ${(we as Error).message}`);
    }
    ctx.report.log("error", msg);
    n.done("failed");
  };
  // A replayed failure (ticket.restored set by the increment) is in the store already.
  const toStore = added.filter((n) => !n.entry.ticket.restored);
  let receipts: BanReceipt[];
  try {
    receipts = ctx.store.saveBans(
      toStore.map((n) => n.entry.ticket),
      live.map((e) => e.ticket),
    );
  } catch (e) {
    for (const n of added) fail(n, null, `Failed to store ban of ${n.entry.ip}, not banned: ${(e as Error).message}`);
    for (const p of live) ctx.report.log("error", `Failed to store prolonged ban of ${p.ip}: ${(e as Error).message}`);
    return;
  }
  const receiptOf = new Map(toStore.map((n, i) => [n, receipts[i] ?? null]));
  try {
    await ctx.effector.ban([...added.map((n) => n.entry.ticket), ...live.map((e) => e.ticket)]);
  } catch (e) {
    const why = (e as Error).message;
    for (const n of added) fail(n, receiptOf.get(n) ?? null, `Failed to execute ban jail '${ctx.jail}' ip ${n.entry.ip}: ${why}`);
    // The longer ban stays known here and in the store; reconcile re-adds it if the kernel drops it early.
    for (const p of live) ctx.report.log("error", `Failed to prolong ban of ${p.ip}: ${why}`);
    return;
  }
  for (const n of added) {
    const to = move(n, "applied");
    if (to === undefined) {
      n.done("failed");
      continue;
    }
    if (to !== null) n.entry.state = to;
    ctx.report.log("notice", `${n.restored ? "Restore " : ""}Ban ${n.entry.ip}`);
    ctx.report.event(n.restored ? "restore" : "ban", n.entry.ip, banMessage(n.entry.ticket));
    ctx.applied(n);
    n.done("banned");
  }
}
