// The text answers of `f2b show`, `failing` and `banned` print log text and peer host ids on a
// terminal, which would obey an escape sequence in them: generated hostile strings (seeded) come out
// with every control and bidi character written out, and nothing else changed.
import { expect, test } from "bun:test";
import type { BanRecord } from "../../src/api/controller.ts";
import { formatBanDetail, formatFailing } from "../../src/cli/format-insight.ts";
import { formatBanTable } from "../../src/cli/format.ts";
import { rng } from "../helpers/rng.ts";

const seed = Number(process.env["F2B_SEED"] ?? Date.now() % 1e9);
const HOSTILE = ["\x1b[2J", "\x1b]0;owned\x07", "\u202e", "\r", "\n", "\x9b31m", "\u2066", "\x00", "\x7f"];

/** An escape sequence first (so every round has one), then random hostile pieces and plain text. */
function hostile(next: (n: number) => number): string {
  let s = HOSTILE[0]!;
  for (let i = 0; i < 6; i++) s += next(2) === 0 ? HOSTILE[next(HOSTILE.length)]! : `user${next(100)}`;
  return s;
}

test(`show, failing and banned write control and bidi characters out (seed ${seed}, F2B_SEED replays)`, () => {
  const next = rng(seed);
  for (let round = 0; round < 50; round++) {
    const [user, line, origin] = [hostile(next), hostile(next), hostile(next)];
    const rec: BanRecord = {
      jail: "sshd",
      ip: "192.0.2.7",
      timeOfBan: 1000,
      bantime: 600,
      end: 1600,
      banCount: 1,
      failures: 3,
      matches: [line],
      users: [user],
      active: true,
      origin,
    } as BanRecord;
    const out = [
      formatBanDetail({ ip: "192.0.2.7", current: [rec], history: [], failing: [] }, 1100),
      formatFailing([{ jail: "sshd", ip: "192.0.2.8", failures: 1, maxretry: 3, firstSeen: 1000, lastSeen: 1000, matches: [line], users: [user] }]),
      formatBanTable([{ jail: "sshd", ip: "192.0.2.7", timeOfBan: 1000, bantime: 600, remaining: 500, banCount: 1, origin }]),
    ].join("\n");
    // only the layout's own newlines remain; no other control or bidi character reaches the terminal
    expect(out.replace(/\n/gu, "")).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u);
    expect(out).toContain("\\x1b");
    expect(out).toContain(
      `received from ${origin.replace(/[\u0000-\u001f\u007f-\u009f]/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`).replace(/[\u202e\u2066]/gu, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`)}`,
    );
  }
});
