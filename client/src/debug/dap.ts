// The few Debug Adapter Protocol shapes the scenario debugger speaks (DAP 1.x: base protocol,
// requests, responses, events), declared here rather than taken from @vscode/debugprotocol so
// the adapter's core needs no package and no `vscode`.

export interface DapRequest {
  readonly seq: number;
  readonly type: 'request';
  readonly command: string;
  readonly arguments?: unknown;
}

export interface DapResponse {
  readonly seq: number;
  readonly type: 'response';
  readonly request_seq: number;
  readonly command: string;
  readonly success: boolean;
  readonly message?: string;
  readonly body?: unknown;
}

export interface DapEvent {
  readonly seq: number;
  readonly type: 'event';
  readonly event: string;
  readonly body?: unknown;
}

export type DapMessage = DapRequest | DapResponse | DapEvent;

export interface DapSource {
  readonly name: string;
  readonly path: string;
}

export interface DapStackFrame {
  readonly id: number;
  readonly name: string;
  readonly source: DapSource;
  readonly line: number;
  readonly column: number;
  readonly presentationHint?: 'normal' | 'label' | 'subtle';
}

export interface DapScope {
  readonly name: string;
  readonly variablesReference: number;
  readonly expensive: boolean;
  readonly presentationHint?: 'arguments' | 'locals' | 'registers';
}

export interface DapVariable {
  readonly name: string;
  readonly value: string;
  readonly variablesReference: number;
}

export interface DapBreakpoint {
  readonly id: number;
  readonly verified: boolean;
  readonly line: number;
  readonly source?: DapSource;
  readonly message?: string;
}

/** What the adapter answers to `initialize`. */
export const CAPABILITIES = {
  supportsConfigurationDoneRequest: true,
  supportsStepBack: true,
  supportsExceptionInfoRequest: true,
  supportsTerminateRequest: true,
  supportsEvaluateForHovers: false,
  supportsRestartFrame: false,
  supportsGotoTargetsRequest: false,
} as const;
