/** Why a path cannot be tailed as a log file, or null for a regular file. */
import type { Stats } from "node:fs";

export function notALogFile(st: Stats): string | null {
  if (st.isFile()) return null;
  // Reading a FIFO blocks until a writer appears and loses what nobody read; a directory or a
  // device has no lines: none of them can be followed like a log file.
  if (st.isDirectory()) return "is a directory, not a log file";
  if (st.isFIFO()) return "is a FIFO (named pipe), not a log file";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "is a device, not a log file";
  if (st.isSocket()) return "is a socket, not a log file";
  return "is not a regular file";
}
