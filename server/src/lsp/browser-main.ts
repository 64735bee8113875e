// The language server's entry point in the browser (dist/browser-server.js): it runs in a web
// worker that the browser client (client/src/browser-extension.ts) starts, and speaks LSP over
// postMessage. Explorations run in nested web workers (browser-runner.ts) whose code, the
// explore worker's bundle, esbuild builds into this one as text; there is no disk, so the
// server reads no files (a request for a document the editor has not opened carries its text).
import { BrowserMessageReader, BrowserMessageWriter, createConnection, ProposedFeatures } from 'vscode-languageserver/browser';
import { BrowserRunner } from './browser-runner';
import { NoFiles } from './file-source';
import { VmscenServer } from './server';

/** dist/browser-explore-worker.js's text, defined by esbuild.mjs. */
declare const VMSCEN_EXPLORE_WORKER_SOURCE: string;

/** How to start a nested exploration worker, when this worker may start one. */
function spawner(): (() => Worker) | undefined {
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined' || typeof URL.createObjectURL !== 'function') return undefined;
  const url = URL.createObjectURL(new Blob([VMSCEN_EXPLORE_WORKER_SOURCE], { type: 'text/javascript' }));
  return () => new Worker(url, { name: 'vmscen explore' });
}

// a dedicated worker's global scope speaks like a MessagePort (the DOM typings have no worker scope)
const scope = self as unknown as MessagePort;
const connection = createConnection(ProposedFeatures.all, new BrowserMessageReader(scope), new BrowserMessageWriter(scope));
new VmscenServer(connection, new BrowserRunner(spawner()), new NoFiles()).listen();
connection.listen();
