// Serves the control API: always on a Unix socket (mode 0600, root only; a stale socket
// file is replaced, a live one refuses the start), optionally on TCP (read-only, token).
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { createApi } from "./app.ts";
import type { Controller } from "./controller.ts";
import type { Log } from "../system/log.ts";

export interface ServeApiOptions {
  controller: Controller;
  socketPath: string;
  tcp?: { hostname: string; port: number; token: string };
  /** Where unexpected errors are logged (the server's "server" logger). */
  log: Log;
}

export interface ApiServer {
  readonly socketPath: string;
  /** "http://host:port" when TCP is enabled. */
  readonly tcpUrl?: string;
  stop(): Promise<void>;
}

export class SocketInUseError extends Error {}

/** Control requests are tiny; anything bigger is refused before it is buffered. */
const MAX_BODY = 1 << 20;

/** Whether something accepts connections on the Unix socket at `path`. */
export async function socketAnswers(path: string): Promise<boolean> {
  try {
    const sock = await Bun.connect({ unix: path, socket: { data() {} } });
    sock.end();
    return true;
  } catch {
    return false;
  }
}

async function prepareSocketPath(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return; // nothing there
  }
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  if (await socketAnswers(path)) {
    throw new SocketInUseError(`another server is already answering on ${path}; stop it first (f2b stop)`);
  }
  unlinkSync(path); // stale socket of a server that died
}

export async function serveApi(opts: ServeApiOptions): Promise<ApiServer> {
  await prepareSocketPath(opts.socketPath);
  const unixApp = createApi({ controller: opts.controller, mode: "unix", log: opts.log });
  // The umask makes the socket 0600 from its creation, with no window where others may connect.
  const oldMask = process.umask(0o177);
  let unixServer;
  try {
    unixServer = Bun.serve({ unix: opts.socketPath, fetch: unixApp.fetch, maxRequestBodySize: MAX_BODY, development: false });
  } finally {
    process.umask(oldMask);
  }
  chmodSync(opts.socketPath, 0o600);

  let tcpServer: ReturnType<typeof Bun.serve> | undefined;
  if (opts.tcp) {
    const tcpApp = createApi({ controller: opts.controller, mode: "tcp", token: opts.tcp.token, log: opts.log });
    try {
      tcpServer = Bun.serve({
        hostname: opts.tcp.hostname,
        port: opts.tcp.port,
        fetch: tcpApp.fetch,
        maxRequestBodySize: MAX_BODY,
        development: false,
      });
    } catch (e) {
      await unixServer.stop(true);
      unlinkSync(opts.socketPath);
      throw new Error(`cannot listen on ${opts.tcp.hostname}:${opts.tcp.port}: ${(e as Error).message}`);
    }
  }
  const socketPath = opts.socketPath;
  return {
    socketPath,
    tcpUrl: tcpServer ? `http://${tcpServer.hostname}:${tcpServer.port}` : undefined,
    async stop() {
      await Promise.all([unixServer.stop(true), tcpServer?.stop(true)]);
      try {
        unlinkSync(socketPath);
      } catch {
        // already gone
      }
    },
  };
}
