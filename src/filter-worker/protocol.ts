// Messages between a jail's FilterStage (main thread) and its filter worker. Everything here
// is structured-clone-able: the worker rebuilds the Filter from the same data the jail has.
import type { FilterDefinition } from "../config/filter-reader.ts";
import type { ExponentialRegex } from "../filter/backtrack-check.ts";
import type { FilterFailure, FilterOptions, FilterState } from "../filter/filter.ts";

/** Indices into the progress array the worker writes and the watchdog reads. */
export const PROGRESS_RANGE = 0; // id of the range being processed (0: idle)
export const PROGRESS_LINE = 1; // index of the line being processed, within the range
// [2] is the filter's probe slot (PROBE_SLOT in filter-probe.ts): the step running now
export const PROGRESS_TID = 3; // the worker thread's Linux thread id (0: unknown)
export const PROGRESS_LENGTH = 4;

/** The Filter options a jail passes (filterOptions in settings.ts): plain data only. */
export type WorkerFilterOptions = Pick<FilterOptions, "findTime" | "useDns" | "logTimeZone" | "maxLines" | "datePattern">;

export interface InitMessage {
  type: "init";
  def: FilterDefinition;
  opts: WorkerFilterOptions;
  /** TZ as the daemon read it (TimeZone.fromEnv). */
  tz: string | undefined;
  /** Int32Array(PROGRESS_LENGTH) over a SharedArrayBuffer. */
  progress: SharedArrayBuffer;
  /** Filter state to continue from (a restarted worker), null for a fresh filter. */
  state: FilterState | null;
  /** Regexes an earlier worker switched to the linear-time engine; null: check them here. */
  linear: ExponentialRegex[] | null;
}

export interface RangeMessage {
  type: "range";
  id: number;
  /** The daemon clock's reading when the range was sent (the filter's "now"). */
  now: number;
  texts: string[];
  /** Known times (journal), undefined for file lines. */
  times: (number | undefined)[];
  /** The line was read while catching up (LogLine.history): older than findtime is dropped. */
  history: boolean[];
  /** Match on the linear-time engine (a line the backtracking engine was abandoned on). */
  linear: boolean;
}

export interface RangeResult {
  type: "result";
  id: number;
  /** [index in the range, failures] for lines that produced any. */
  hits: [number, FilterFailure[]][];
  /** [index in the range, message] for lines the filter threw on. */
  errors: [number, string][];
  /** Warnings the filter logged while processing the range. */
  warnings: string[];
  /** The filter's state after the range's last line. */
  state: FilterState;
  /** A linear range the filter cannot run (a regex the linear engine cannot express). */
  undecided: boolean;
  /** Regexes this worker runs on the linear-time engine (for the next worker's init). */
  linear: ExponentialRegex[];
}

export type ToWorker = InitMessage | RangeMessage;
