// Global options of the f2b client (`-c DIR`, `-s SOCKET`) and where the command word is.

/** Options that take a value, so the dispatcher does not mistake the value for a command. */
const VALUE_OPTIONS = new Set(["-c", "--conf", "-s", "--socket"]);

/** The first word of argv that is neither an option nor an option's value. */
export function findCommand(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") return argv[i + 1];
    if (VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (!a.startsWith("-") || a === "-") return a;
  }
  return undefined;
}
