// What a feature does when the connection initializes: read the client's parameters, and once
// the client says it is initialized, pull or subscribe. The server calls every feature's hooks
// from its single onInitialize and onInitialized handlers (a connection keeps one of each).
import type { InitializeParams } from 'vscode-languageserver';

export interface Lifecycle {
  readonly initialize: (p: InitializeParams) => void;
  readonly initialized: () => void;
}
