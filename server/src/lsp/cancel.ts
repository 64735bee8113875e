// Cancelled requests: a request whose token is already cancelled when it is dispatched, or is
// cancelled while it waits, is answered with LSP's RequestCancelled (-32800) and runs no further.
import { LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver';
import { JobCancelled } from './explore-runner';

export function cancelledError(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');
}

/** Throws RequestCancelled if the token is cancelled. */
export function throwIfCancelled(token: CancellationToken): void {
  if (token.isCancellationRequested) throw cancelledError();
}

/** A job's failure as the reply: a cancelled job (or request) is RequestCancelled. */
export function jobError(e: unknown, token: CancellationToken): Error {
  if (e instanceof JobCancelled || token.isCancellationRequested) return cancelledError();
  return e as Error;
}
