// Writing the CLI's output: a reader that goes away (`| head`, EPIPE) ends the output quietly;
// any other write error (a full disk, a closed stdout) is one line on stderr and exit status 2,
// never a stack trace and never a silent exit 0.
export class Output {
  /** The reader closed the pipe: nothing more is written. */
  private closed = false;
  /** A write failed for another reason: its message. */
  failure: string | undefined;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {
    stream.on('error', (e: NodeJS.ErrnoException) => this.onError(e));
  }

  private onError(e: NodeJS.ErrnoException): void {
    if (e.code === 'EPIPE') {
      this.closed = true;
      return;
    }
    if (this.failure) return;
    this.failure = e.message;
    this.stderr.write(`vmscen: cannot write the output: ${this.failure}\n`);
    // the error may arrive after main() returned (an asynchronous write): the exit status follows it
    process.exitCode = 2;
  }

  write(text: string): void {
    if (this.closed || this.failure) return;
    try {
      this.stream.write(text);
    } catch (e) {
      this.onError(e as NodeJS.ErrnoException);
    }
  }

  /** The exit status given the run's own: 2 when the output could not be written. */
  status(code: number): number {
    return this.failure ? 2 : code;
  }
}
