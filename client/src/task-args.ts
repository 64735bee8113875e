// The `vmscen` task type (package.json `taskDefinitions`): what a task definition means as a
// command line. Pure, so it is tested without VS Code.

export interface VmscenTaskDefinition {
  readonly type: 'vmscen';
  /** Files or folders to check, relative to the workspace folder; default: the whole folder. */
  readonly paths?: readonly string[];
  /** Extra `vmscen check` options, e.g. ["--designs", "all"]. */
  readonly args?: readonly string[];
}

/** Options that change the output format: the `$vmscen` problem matcher reads the text output. */
const FORMAT_OPTIONS = new Set(['--json', '--sarif']);

/**
 * The arguments of `vmscen check` for a task: `--quiet --brief` keep the output to what the
 * Problems panel shows (no information lines, no interleavings), and the paths come after `--`
 * so a path that starts with '-' stays a path.
 */
export function checkArgs(def: VmscenTaskDefinition): string[] {
  const extra = (def.args ?? []).filter((a) => !FORMAT_OPTIONS.has(a));
  const paths = def.paths && def.paths.length ? [...def.paths] : ['.'];
  return ['check', '--quiet', '--brief', ...extra, '--', ...paths];
}

/** A label for the task list. */
export function taskName(def: VmscenTaskDefinition): string {
  return def.paths && def.paths.length ? `check ${def.paths.join(' ')}` : 'check workspace folder';
}
