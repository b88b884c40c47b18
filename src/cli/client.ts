// HTTP over the server's Unix socket. Failures become CliError with the text to print.

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 255,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export interface ApiClient {
  readonly socket: string;
  /** The JSON answer of a 2xx reply; a CliError with a readable message otherwise. */
  call(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<unknown>;
  /** The raw text of a GET (for /metrics). */
  text(path: string): Promise<string>;
}

const TIMEOUT_MS = 120_000; // a reload of many jails can take a while

function unreachable(socket: string, err: unknown): CliError {
  const code = (err as { code?: string }).code ?? "";
  if (code === "EACCES" || code === "EPERM" || /permission denied/i.test(String(err))) {
    return new CliError(`f2b: permission denied on ${socket}: the control socket is root only (try sudo)`);
  }
  if (code === "TimeoutError" || (err as Error).name === "TimeoutError") {
    return new CliError(`f2b: the server at ${socket} did not answer within ${TIMEOUT_MS / 1000}s`);
  }
  return new CliError(`f2b: cannot reach the server at ${socket}: is it running? (f2b server)`);
}

/** Turns an API error body into the line fail2ban-client users expect: the server's message as
 *  it is (fail2ban-client prints the server's answer), without the API's field prefix. */
function apiError(status: number, body: unknown): CliError {
  const b = (typeof body === "object" && body !== null ? body : {}) as { error?: unknown; field?: unknown };
  let msg = typeof b.error === "string" ? b.error : `server answered HTTP ${status}`;
  // "ips[1]: '1.2.3.999' is not a valid IP address" → drop the API field prefix.
  if (typeof b.field === "string" && msg.startsWith(`${b.field}: `)) msg = msg.slice(b.field.length + 2);
  return new CliError(msg);
}

export function unixClient(socket: string): ApiClient {
  const send = async (method: string, path: string, body?: unknown): Promise<Response> => {
    try {
      return await fetch(`http://localhost${path}`, {
        method,
        unix: socket,
        signal: AbortSignal.timeout(TIMEOUT_MS),
        // The CLI names itself: the ban history records "unbanned by cli".
        headers: { "X-F2b-Client": "cli", ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      throw unreachable(socket, e);
    }
  };
  return {
    socket,
    async call(method, path, body) {
      const res = await send(method, path, body);
      const text = await res.text();
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        throw new CliError(`f2b: unexpected answer from ${socket} (HTTP ${res.status}): is this an f2b server?`);
      }
      if (!res.ok) throw apiError(res.status, json);
      return json;
    },
    async text(path) {
      const res = await send("GET", path);
      const text = await res.text();
      if (!res.ok) throw new CliError(`f2b: server answered HTTP ${res.status}`);
      return text;
    },
  };
}
