/** Where the API is served: the root-only Unix socket (everything) or TCP (read-only, token). */
export type ApiMode = "unix" | "tcp";
