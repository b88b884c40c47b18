// A small Chrome DevTools Protocol client for the status page's browser tests: headless Chromium
// at a given width and colour scheme, a page loaded, the DOM queried (DevTools evaluation is not
// subject to the page's CSP, which forbids every script), full-page screenshots.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHROMIUM = ["chromium", "chromium-browser", "google-chrome"].find((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status === 0);

/** Headless, no sandbox (root), nothing reaching out to the network (the machine's network is closed). */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

interface Pending {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
}

export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly waiters: { method: string; session: string; resolve: () => void }[] = [];

  private constructor(
    private readonly proc: ChildProcess,
    private readonly ws: WebSocket,
    private readonly profile: string,
  ) {
    ws.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data)) as {
        id?: number;
        result?: Record<string, unknown>;
        error?: { message: string };
        method?: string;
        sessionId?: string;
      };
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(msg.error.message));
        else p?.resolve(msg.result ?? {});
        return;
      }
      for (const w of this.waiters.filter((x) => x.method === msg.method && x.session === msg.sessionId)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    };
  }

  static async launch(): Promise<Browser> {
    const profile = mkdtempSync(join(tmpdir(), "f2b-cdp-"));
    const proc = spawn(CHROMIUM!, [...CHROMIUM_FLAGS, "--hide-scrollbars", "--remote-debugging-port=0", `--user-data-dir=${profile}`, "about:blank"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let err = "";
      const timer = setTimeout(() => reject(new Error(`chromium did not start: ${err}`)), 30_000);
      proc.stderr!.on("data", (d: Buffer) => {
        err += d.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/u.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      proc.on("exit", (code) => reject(new Error(`chromium exited (${code}): ${err}`)));
    });
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error("DevTools connection failed"));
    });
    return new Browser(proc, ws, profile);
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  /** A new tab of `width` px (as a phone when narrow) in the given colour scheme. */
  async tab(width: number, scheme: "light" | "dark"): Promise<Tab> {
    const { targetId } = (await this.send("Target.createTarget", { url: "about:blank" })) as { targetId: string };
    const { sessionId } = (await this.send("Target.attachToTarget", { targetId, flatten: true })) as { sessionId: string };
    await this.send("Page.enable", {}, sessionId);
    await this.send("Emulation.setDeviceMetricsOverride", { width, height: 900, deviceScaleFactor: 1, mobile: width < 600 }, sessionId);
    await this.send("Emulation.setEmulatedMedia", { features: [{ name: "prefers-color-scheme", value: scheme }] }, sessionId);
    return new Tab(this, sessionId, (method) => new Promise<void>((resolve) => this.waiters.push({ method, session: sessionId, resolve })));
  }

  async close(): Promise<void> {
    this.ws.close();
    this.proc.kill();
    await new Promise((r) => (this.proc.exitCode !== null ? r(null) : this.proc.on("exit", r)));
    rmSync(this.profile, { recursive: true, force: true });
  }
}

export class Tab {
  constructor(
    private readonly browser: Browser,
    private readonly session: string,
    private readonly waitFor: (method: string) => Promise<void>,
  ) {}

  async open(url: string): Promise<void> {
    const loaded = this.waitFor("Page.loadEventFired");
    await this.browser.send("Page.navigate", { url }, this.session);
    await loaded;
  }

  /** A JSON-able value computed in the page. */
  async eval<T>(expression: string): Promise<T> {
    const r = (await this.browser.send("Runtime.evaluate", { expression, returnByValue: true }, this.session)) as {
      result: { value: T };
      exceptionDetails?: { text: string };
    };
    if (r.exceptionDetails) throw new Error(`evaluate failed: ${r.exceptionDetails.text}: ${expression}`);
    return r.result.value;
  }

  /** The whole page (not just the window) as PNG bytes. */
  async screenshot(): Promise<Buffer> {
    const r = (await this.browser.send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true }, this.session)) as { data: string };
    return Buffer.from(r.data, "base64");
  }
}
