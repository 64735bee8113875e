// `vmscen check --sarif` (issue 13, item 2), run as a process: the log validates against the
// published SARIF 2.1.0 schema (the copy Microsoft's SARIF multitool ships, from the npm
// registry) and passes the multitool's own validator; every finding of the --json document is a
// result at the same place with its interleaving as a codeFlow, one threadFlow per thread in
// execution order; levels and the exit code follow the text output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';

interface Region {
  startLine: number;
  startColumn: number;
}
interface Loc {
  physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: Region };
  message?: { text: string };
}
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level?: string;
  kind?: string;
  message: { text: string };
  locations: Loc[];
  codeFlows?: { threadFlows: { id: string; locations: { location: Loc; executionOrder: number }[] }[] }[];
  partialFingerprints?: Record<string, string>;
}
interface SarifLog {
  version: string;
  runs: { tool: { driver: { rules: { id: string }[] } }; results: SarifResult[]; invocations: { exitCode: number }[]; originalUriBaseIds: Record<string, { uri: string }> }[];
}

function vmscen(args: string[], cwd = process.cwd()): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.resolve('bin/vmscen.js'), ...args], { encoding: 'utf8', cwd, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const multitoolDir = path.dirname(createRequire(import.meta.url).resolve(`@microsoft/sarif-multitool-${process.platform}/package.json`));
const schema = JSON.parse(fs.readFileSync(path.join(multitoolDir, 'sarif-2.1.0.json'), 'utf8')) as Record<string, unknown>;

function validate(log: unknown): string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const ok = ajv.validate(schema, log);
  return ok ? [] : (ajv.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const examples = vmscen(['check', '--sarif', 'examples']);
const log = JSON.parse(examples.stdout) as SarifLog;
const run = log.runs[0]!;

test('the gallery as SARIF: valid against the 2.1.0 schema, exit code as without --sarif', () => {
  assert.equal(examples.status, 0, examples.stderr);
  assert.equal(log.version, '2.1.0');
  assert.deepEqual(validate(log), []);
  assert.equal(run.invocations[0]!.exitCode, 0);
  assert.equal(run.originalUriBaseIds['SRCROOT']!.uri, `file://${process.cwd()}/`);
  // every result names a rule of the table, by index too
  for (const r of run.results) assert.equal(run.tool.driver.rules[r.ruleIndex]!.id, r.ruleId);
});

test('the schema check is real: a log with a wrong level or a missing message fails it', () => {
  const broken = JSON.parse(examples.stdout) as { runs: { results: Record<string, unknown>[] }[] };
  broken.runs[0]!.results[0]!['level'] = 'fatal';
  delete broken.runs[0]!.results[1]!['message'];
  assert.equal(validate(broken).length >= 2, true);
});

test('every finding of --json is a SARIF result at its step, with its interleaving as one threadFlow per thread', () => {
  const json = JSON.parse(vmscen(['check', '--json', 'examples']).stdout) as {
    files: { path: string; scenarios: { name: string; races: { kind: string; line: number; col: number; trace: { thread: string; line: number; step: string }[] }[]; violations: { code: string; line: number; col: number; trace: { thread: string; line: number; step: string }[] }[] }[] }[];
  };
  let checked = 0;
  for (const file of json.files) {
    const uri = path.relative(process.cwd(), file.path).split(path.sep).join('/');
    for (const sc of file.scenarios) {
      for (const f of [...sc.races.map((r) => ({ ...r, code: r.kind })), ...sc.violations]) {
        const r = run.results.find((x) => x.ruleId === f.code && x.locations[0]!.physicalLocation.artifactLocation.uri === uri && x.locations[0]!.physicalLocation.region.startLine === f.line && x.locations[0]!.physicalLocation.region.startColumn === f.col && x.codeFlows?.[0]?.threadFlows.reduce((n, t) => n + t.locations.length, 0) === f.trace.length);
        assert.ok(r, `${uri}:${f.line}:${f.col} ${f.code} has a result with its ${f.trace.length}-step flow`);
        assert.equal(r.kind, 'pass', 'every finding of the gallery is expected');
        // the threadFlows, merged by executionOrder, give the trace back step by step
        const steps = r.codeFlows![0]!.threadFlows.flatMap((t) => t.locations.map((l) => ({ thread: t.id, order: l.executionOrder, line: l.location.physicalLocation.region.startLine, text: l.location.message!.text })));
        steps.sort((a, b) => a.order - b.order);
        assert.deepEqual(steps.map((s) => s.order), f.trace.map((_, i) => i + 1));
        f.trace.forEach((t, i) => {
          assert.equal(steps[i]!.thread, t.thread);
          assert.equal(steps[i]!.line, t.line);
          assert.ok(steps[i]!.text.includes(t.step), `${steps[i]!.text} names ${t.step}`);
        });
        checked++;
      }
    }
  }
  assert.ok(checked >= 50, `${checked} findings compared`);
  // fingerprints tell findings apart
  const prints = run.results.filter((r) => r.partialFingerprints).map((r) => JSON.stringify(r.partialFingerprints));
  assert.ok(new Set(prints).size > prints.length * 0.9);
});

test('an unexpected race is an error result, an unmet expectation too; exit 1 in the log and the process', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-sarif-'));
  const file = path.join(dir, 'racy.vmscen');
  fs.writeFileSync(file, fs.readFileSync('test/data/cli/unexpected-race.vmscen', 'utf8').replace('  expect violation', '  expect race use-after-free\n  expect violation'));
  const r = vmscen(['check', '--sarif', file]);
  assert.equal(r.status, 1);
  const l = JSON.parse(r.stdout) as SarifLog;
  assert.deepEqual(validate(l), []);
  assert.equal(l.runs[0]!.invocations[0]!.exitCode, 1);
  const race = l.runs[0]!.results.find((x) => x.ruleId === 'lost-write')!;
  assert.equal(race.level, 'error');
  assert.equal(race.kind, undefined, 'a failure (kind defaults to fail)');
  assert.equal(race.locations[0]!.physicalLocation.region.startLine, 10);
  const unmet = l.runs[0]!.results.find((x) => x.ruleId === 'failed')!;
  assert.equal(unmet.level, 'error');
  assert.equal(unmet.locations[0]!.physicalLocation.region.startLine, 11);
  assert.match(unmet.message.text, /expect race use-after-free/);
});

test('--quiet leaves out what passed; --json with --sarif is a usage error', () => {
  const quiet = JSON.parse(vmscen(['check', '--sarif', '--quiet', 'examples']).stdout) as SarifLog;
  assert.equal(quiet.runs[0]!.results.filter((r) => r.kind === 'pass').length, 0);
  assert.ok(run.results.filter((r) => r.kind === 'pass').length > 100);
  const both = vmscen(['check', '--sarif', '--json', 'examples']);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /choose one/);
});

test('an unreadable path is a read error result; a file outside the working directory gets an absolute URI', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-sarif-'));
  fs.writeFileSync(path.join(dir, 'a.vmscen'), fs.readFileSync('test/data/cli/clean.vmscen'));
  fs.mkdirSync(path.join(dir, 'b.vmscen'));
  const sub = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-cwd-'));
  const r = vmscen(['check', '--sarif', path.join(dir, 'a.vmscen'), '/dev/zero'], sub);
  assert.equal(r.status, 2);
  const l = JSON.parse(r.stdout) as SarifLog;
  assert.deepEqual(validate(l), []);
  const read = l.runs[0]!.results.find((x) => x.ruleId === 'read')!;
  assert.equal(read.level, 'error');
  assert.equal(read.locations[0]!.physicalLocation.artifactLocation.uri, 'file:///dev/zero');
  assert.ok(l.runs[0]!.results.some((x) => x.locations[0]!.physicalLocation.artifactLocation.uri === `file://${dir}/a.vmscen` && x.locations[0]!.physicalLocation.artifactLocation.uriBaseId === undefined));
});

test("Microsoft's SARIF multitool validates the gallery's log: no errors, and no warning but the missing informationUri", () => {
  const exe = path.join(multitoolDir, 'Sarif.Multitool');
  fs.chmodSync(exe, 0o755); // its postinstall (chmod) does not run where install scripts are off
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-sarif-'));
  fs.writeFileSync(path.join(dir, 'in.sarif'), examples.stdout);
  const v = spawnSync(exe, ['validate', path.join(dir, 'in.sarif'), '-o', path.join(dir, 'out.sarif')], { encoding: 'utf8', env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' } });
  assert.equal(v.status, 0, v.stdout + v.stderr);
  const out = JSON.parse(fs.readFileSync(path.join(dir, 'out.sarif'), 'utf8').replace(/^\uFEFF/, '')) as SarifLog;
  const found = out.runs[0]!.results.map((x) => `${x.ruleId} ${x.level ?? 'warning'}: ${x.message.text ?? ''}`);
  assert.deepEqual(found.filter((x) => !x.startsWith('SARIF2005 ')), [], found.join('\n'));
});
