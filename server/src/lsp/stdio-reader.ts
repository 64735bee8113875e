// The message reader of `vmscen lsp` on standard input: LSP's base protocol (headers, a blank
// line, a JSON body of Content-Length bytes), strict where a hostile or broken client could
// leave the server alive but deaf. A frame whose body is not JSON is answered with a Parse
// error (-32700, id null) and the stream goes on; a body over the size limit is skipped with a
// message on stderr; a header block the server cannot frame by (no Content-Length, not a whole
// number, negative) is an unrecoverable stream: the server says so on stderr and exits, and so
// it does when a frame's body stops arriving half-way (a Content-Length longer than the data).
import { AbstractMessageReader, type DataCallback, type Disposable, type Message } from 'vscode-languageserver';

/** The largest message body accepted (a 16 MiB document, JSON-escaped, fits). */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** The largest header block: past it without a blank line the stream is not LSP. */
const MAX_HEADER_BYTES = 8 * 1024;

const CRLF2 = Buffer.from('\r\n\r\n');

export interface StdioReaderHooks {
  /** A frame's body was not JSON: answer Parse error. */
  readonly parseError: (detail: string) => void;
  /** The stream cannot be framed any more: report and stop. */
  readonly fatal: (detail: string) => void;
  /** A frame was skipped (too large). */
  readonly skipped: (detail: string) => void;
}

export class StdioReader extends AbstractMessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** Body length of the frame being read, or -1 while reading headers. */
  private bodyLength = -1;
  /** Bytes of an oversized body still to discard. */
  private discard = 0;
  private callback: DataCallback | undefined;
  private stopped = false;
  /** Fires when a frame stays incomplete with no new data for `partialTimeoutMs`. */
  private stall: NodeJS.Timeout | undefined;

  constructor(
    private readonly input: NodeJS.ReadableStream,
    private readonly hooks: StdioReaderHooks,
    private readonly partialTimeoutMs = 30_000,
  ) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer): void => this.onData(chunk);
    const onEnd = (): void => this.fireClose();
    const onError = (e: Error): void => this.fireError(e);
    this.input.on('data', onData);
    this.input.on('end', onEnd);
    this.input.on('close', onEnd);
    this.input.on('error', onError);
    return {
      dispose: () => {
        this.input.off('data', onData);
        this.input.off('end', onEnd);
        this.input.off('close', onEnd);
        this.input.off('error', onError);
      },
    };
  }

  private onData(chunk: Buffer): void {
    if (this.stopped) return;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    this.frame();
    // a frame begun and not finished: it must go on arriving
    if (this.stall) clearTimeout(this.stall);
    this.stall = undefined;
    if (!this.stopped && (this.bodyLength >= 0 || this.discard > 0 || this.buffer.length > 0)) {
      this.stall = setTimeout(() => this.stop(`a message stopped arriving half-way for ${this.partialTimeoutMs} ms (a Content-Length longer than its body?)`), this.partialTimeoutMs);
      this.stall.unref();
    }
  }

  private frame(): void {
    for (;;) {
      if (this.discard > 0) {
        const n = Math.min(this.discard, this.buffer.length);
        this.discard -= n;
        this.buffer = this.buffer.subarray(n);
        if (this.discard > 0) return;
      }
      if (this.bodyLength < 0) {
        const end = this.buffer.indexOf(CRLF2);
        if (end < 0) {
          if (this.buffer.length > MAX_HEADER_BYTES) return this.stop('a header block without an end (no blank line after the headers)');
          return;
        }
        const headers = this.buffer.subarray(0, end).toString('ascii').split('\r\n');
        this.buffer = this.buffer.subarray(end + 4);
        const lengths = headers.filter((h) => /^content-length\s*:/i.test(h)).map((h) => h.slice(h.indexOf(':') + 1).trim());
        if (lengths.length !== 1) return this.stop(`a header block with ${lengths.length ? 'several' : 'no'} Content-Length`);
        if (!/^[0-9]{1,12}$/.test(lengths[0]!)) return this.stop(`Content-Length '${lengths[0]}' is not a whole number`);
        const length = Number(lengths[0]);
        if (length > MAX_BODY_BYTES) {
          this.hooks.skipped(`a ${length}-byte message is over the ${MAX_BODY_BYTES}-byte limit: skipped`);
          this.discard = length;
          continue;
        }
        this.bodyLength = length;
      }
      if (this.buffer.length < this.bodyLength) return;
      const body = this.buffer.subarray(0, this.bodyLength).toString('utf8');
      this.buffer = this.buffer.subarray(this.bodyLength);
      this.bodyLength = -1;
      let message: unknown;
      try {
        message = JSON.parse(body);
      } catch (e) {
        this.hooks.parseError((e as Error).message);
        continue;
      }
      if (message === null || typeof message !== 'object' || Array.isArray(message)) {
        this.hooks.parseError('the body is not a JSON-RPC message object');
        continue;
      }
      this.callback?.(message as Message);
    }
  }

  private stop(why: string): void {
    this.stopped = true;
    if (this.stall) clearTimeout(this.stall);
    this.hooks.fatal(why);
  }
}
