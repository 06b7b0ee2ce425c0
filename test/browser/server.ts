/**
 * A static server on localhost for the browser tests and the browser benchmark: every file is
 * served twice, under `/plain/` (no special headers) and under `/isolated/` (with
 * {@link ISOLATION_HEADERS}, so that the page is cross-origin isolated: `SharedArrayBuffer` and
 * Web Workers sharing memory). Files are given in memory (a bundle built by Vite, a page).
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The response headers that make a page cross-origin isolated (`crossOriginIsolated === true`). */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** A file to serve: its body and content type. */
export interface ServedFile {
  readonly body: string | Uint8Array;
  readonly type: string;
}

/** A running server: the origin (`http://localhost:PORT`) and how to stop it. */
export interface PageServer {
  readonly origin: string;
  readonly close: () => Promise<void>;
}

/**
 * Serves `files` (keys are names such as `index.html`) under `/plain/` and `/isolated/` on an
 * ephemeral localhost port.
 */
export const servePages = async (files: Readonly<Record<string, ServedFile>>): Promise<PageServer> => {
  const server: Server = createServer((req, res) => {
    const m = /^\/(plain|isolated)\/([^?#]*)/.exec(req.url ?? '');
    const file = m === null ? undefined : files[m[2] === '' ? 'index.html' : (m[2] as string)];
    if (m === null || file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`not found: ${req.url}`);
      return;
    }
    res.writeHead(200, {
      'content-type': file.type,
      'cache-control': 'no-store',
      ...(m[1] === 'isolated' ? ISOLATION_HEADERS : {}),
    });
    res.end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** An empty page that loads `script` (a classic script, e.g. a Vite IIFE bundle). */
export const pageLoading = (script: string): ServedFile => ({
  body: `<!doctype html><html><head><meta charset="utf-8"><script src="${script}"></script></head><body></body></html>`,
  type: 'text/html; charset=utf-8',
});
