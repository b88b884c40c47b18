// The load scenarios of the daemon benchmark, in order: attack waves (one per size), the botnet
// wave, journal ingestion. Each input is written once and fed to f2b, then to fail2ban, each
// alone in its own namespace.
import { attackLog, botnetLog, fileWave, journalEntries, journalWave, type WaveLog } from "./bench-daemon-inputs.ts";
import { BANTIME, MAXRETRY, type Ctx } from "./bench-daemon-measure.ts";
import { fmtN, type WaveRun } from "./bench-daemon-report-load.ts";
import type { Results } from "./bench-daemon-report.ts";
import { runWave, type Wave, type WaveResult } from "./bench-daemon-wave.ts";

export interface LoadOptions {
  /** attack wave sizes, lines */
  attackLines: number[];
  /** larger attack waves run against f2b only */
  fail2banMaxLines: number;
  /** cap of one wave run */
  capMs: number;
  botnetIps: number;
  botnetLines: number;
  journalEntries: number;
}

const RULES = { bantime: BANTIME, maxretry: MAXRETRY };

export async function loadScenarios(ctx: Ctx, parts: Set<string>, o: LoadOptions, res: Results, step: (msg: string) => void): Promise<void> {
  const capMin = `capped at ${o.capMs / 60_000} min each`;
  const logs = new Map<number, WaveLog>();
  const attack = async (lines: number): Promise<WaveLog> => {
    let log = logs.get(lines);
    if (!log) {
      step(`writing a ${fmtN(lines)}-line auth.log and counting its failures with f2b regex`);
      log = await attackLog(ctx, lines, MAXRETRY);
      logs.set(lines, log);
    }
    return log;
  };
  const both = async (tag: string, make: (kind: "f2b" | "fail2ban") => Wave, skipRef: string | null): Promise<[WaveResult, WaveResult | string]> => {
    const f2b = await runWave("f2b", ctx, tag, make("f2b"), o.capMs);
    return [f2b, skipRef ?? (await runWave("fail2ban", ctx, tag, make("fail2ban"), o.capMs))];
  };
  if (parts.has("wave")) {
    res.attack = [];
    for (const lines of o.attackLines) {
      const log = await attack(lines);
      const refRun = res.attack.find((w) => typeof w.fail2ban !== "string" && w.fail2ban.linesMs !== null);
      const skip = lines > o.fail2banMaxLines ? whyNotRun(lines, refRun, o.fail2banMaxLines) : null;
      step(`attack wave: ${fmtN(lines)} lines (${fmtN(log.failures)} failures, ${fmtN(log.bans)} bans), f2b${skip ? " only" : " then fail2ban"}, ${capMin}`);
      const [f2b, fail2ban] = await both(`wave${lines}`, () => fileWave(log, RULES), skip);
      res.attack.push({ name: `attack wave, ${fmtN(lines)} lines`, unit: "line", units: lines, failures: log.failures, bans: log.bans, f2b, fail2ban });
    }
  }
  if (parts.has("botnet")) {
    const log = botnetLog(ctx, o.botnetIps, o.botnetLines, MAXRETRY);
    step(`botnet wave: ${fmtN(o.botnetLines)} failures from ${fmtN(o.botnetIps)} addresses, f2b then fail2ban, ${capMin}`);
    const [f2b, fail2ban] = await both("botnet", () => fileWave(log, RULES), null);
    res.botnet = { name: `botnet wave, ${fmtN(o.botnetIps)} addresses`, unit: "line", units: log.lines, failures: log.failures, bans: log.bans, f2b, fail2ban };
  }
  if (parts.has("journal")) {
    const log = await attack(o.journalEntries);
    const entries = journalEntries(log);
    step(`journal ingestion: ${fmtN(entries.length)} entries (${fmtN(log.failures)} failures), f2b then fail2ban, ${capMin}`);
    const [f2b, fail2ban] = await both("journal", (kind) => journalWave(ctx, kind, log, entries, BANTIME), null);
    res.journal = {
      name: `journal ingestion, ${fmtN(entries.length)} entries`,
      unit: "entry",
      units: entries.length,
      failures: log.failures,
      bans: 0,
      f2b,
      fail2ban,
    };
  }
}

function whyNotRun(lines: number, ref: WaveRun | undefined, max: number): string {
  const hint = `--fail2ban-max-lines ${lines} runs it`;
  if (!ref || typeof ref.fail2ban === "string" || ref.fail2ban.linesMs === null) return `above --fail2ban-max-lines ${fmtN(max)} (${hint})`;
  const perSec = (ref.units / ref.fail2ban.linesMs) * 1000;
  return `would take about ${Math.ceil(lines / perSec / 60)} min at the ${fmtN(Math.round(perSec))} lines/s it reached on ${fmtN(ref.units)} lines (${hint})`;
}
