// `vmscen lsp` on a broken or hostile stdin (issue 14, item 8): a frame whose body is not JSON
// is answered with Parse error (-32700) and the server goes on; a stream it cannot frame by (no
// Content-Length, not a number, negative, a body that stops half-way) ends the server with a
// message on stderr instead of leaving it alive but deaf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

function frame(body: string, length = Buffer.byteLength(body)): string {
  return `Content-Length: ${length}\r\n\r\n${body}`;
}

const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });

/** Run the server on `input`; collect its stdout and stderr until it exits or `untilOut` matches. */
function run(input: string[], untilOut?: RegExp): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/vmscen.js', 'lsp'], { env: { ...process.env, VMSCEN_LSP_PARTIAL_TIMEOUT_MS: '1500' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done = false;
    const finish = (code: number | null): void => {
      if (done) return;
      done = true;
      p.kill();
      resolve({ code, out, err });
    };
    p.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (untilOut && untilOut.test(out)) finish(null);
    });
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('exit', (code) => finish(code));
    for (const chunk of input) p.stdin.write(chunk);
  });
}

test('a frame whose body is not JSON gets Parse error, and the server answers what follows', { timeout: 30_000 }, async () => {
  const r = await run([frame('{"jsonrpc": "2.0", "id": 7, "method": '), frame('[1, 2]'), frame(INIT)], /"id":1,"result"/);
  assert.match(r.out, /"id":null,"error":\{"code":-32700,"message":"Parse error: [^"]+"\}/);
  assert.equal((r.out.match(/-32700/g) ?? []).length, 2, 'both bad frames answered');
  assert.match(r.out, /"id":1,"result":\{"capabilities"/);
});

for (const [name, header] of [
  ['Content-Length is not a number', 'Content-Length: abc\r\n\r\n{}'],
  ['Content-Length is negative', 'Content-Length: -5\r\n\r\n{}'],
  ['no Content-Length', 'Content-Type: application/json\r\n\r\n{}'],
] as const) {
  test(`${name}: the server says so and exits`, { timeout: 30_000 }, async () => {
    const r = await run([header, frame(INIT)]);
    assert.equal(r.code, 1);
    assert.match(r.err, /vmscen lsp: the input is not the LSP base protocol/);
  });
}

test('a Content-Length longer than its body: the server exits when the body stops arriving', { timeout: 30_000 }, async () => {
  const r = await run([frame(INIT, Buffer.byteLength(INIT) + 100)]);
  assert.equal(r.code, 1);
  assert.match(r.err, /stopped arriving half-way/);
});

test('the server exits when its stdin closes (the client is gone)', { timeout: 30_000 }, async () => {
  const p = spawn(process.execPath, ['bin/vmscen.js', 'lsp'], { stdio: ['pipe', 'pipe', 'pipe'] });
  p.stdin.write(frame(INIT));
  p.stdin.end();
  const code = await new Promise<number | null>((resolve) => p.on('exit', (c) => resolve(c)));
  assert.equal(code, 0);
});
