/** A broken configuration: the message names file and line ("FILE:LINE: what is wrong: text"). */
export class ConfigError extends Error {
  readonly file?: string;
  readonly line?: number;

  constructor(what: string, where?: { file?: string; line?: number }, offending?: string) {
    const loc = where?.file ? `${where.file}${where.line ? `:${where.line}` : ""}: ` : "";
    super(`${loc}${what}${offending !== undefined ? `: ${clip(offending)}` : ""}`);
    this.name = "ConfigError";
    if (where?.file !== undefined) this.file = where.file;
    if (where?.line !== undefined) this.line = where.line;
  }
}

/** Keeps messages readable when the offending text is a huge or binary line. */
function clip(text: string): string {
  const shown = JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
  return shown;
}
