// The interleaving view (runs inside the webview): one column per thread and CPU, one row per
// micro-step, the locks each thread holds drawn as bars; selecting a row jumps to its source
// line and shows the machine after that step with every changed field highlighted. It draws
// the data it is handed and holds no semantics.
import type { CompareResult, HostToWebview, OutcomesResult, TraceView, ViewSource, WebviewToHost } from '../../server/src/protocol';

interface VsCodeApi {
  postMessage(m: WebviewToHost): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
const app = document.getElementById('app')!;
let view: TraceView | undefined;
/** The document and version what is shown was computed from: every click names it. */
let source: ViewSource = { uri: '', version: null };
let selected = -1;
/** Dim the steps outside the finding's slice, and copy only the slice (the toggle's state survives a new view). */
let sliceOnly = true;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function lockClass(locks: readonly string[]): string {
  if (locks.length === 0) return '';
  if (locks.includes('irq off')) return 'held irq';
  // write-side locks (mmap write, a write range, VMA write locks and spf brackets) and read-side ones
  if (locks.some((l) => l.startsWith('mmap W') || l.startsWith('range W') || l === 'vma W' || l === 'vm_write_begin')) return 'held mmap-w';
  if (locks.some((l) => l.startsWith('mmap R') || l.startsWith('range R') || l.startsWith('vma R') || l === 'speculative')) return 'held mmap-r';
  return 'held';
}

function renderTrace(v: TraceView): void {
  app.replaceChildren();
  const header = el(
    'header',
    {},
    el('h2', { class: v.finding.type }, `${v.finding.type} ${v.finding.code}`),
    el('p', { class: 'msg' }, v.finding.message),
    el('p', { class: 'muted' }, `scenario ${v.scenario} · locking ${v.design} · ${v.steps.length} micro-steps · the finding is at line ${v.finding.line}`),
  );
  const copy = el('button', { id: 'copy', title: 'Copy the interleaving as a CPU-column text table (with the slice toggle on, only the steps the finding depends on)' }, 'Copy as text');
  copy.addEventListener('click', () => api.postMessage({ type: 'copy', text: sliceOnly ? v.text : v.fullText }));
  const outside = v.steps.filter((s) => !s.inSlice).length;
  const toggle = el('input', { type: 'checkbox', id: 'slice' });
  toggle.checked = sliceOnly;
  toggle.addEventListener('change', () => {
    sliceOnly = toggle.checked;
    app.classList.toggle('slice-only', sliceOnly);
  });
  app.classList.toggle('slice-only', sliceOnly);
  const sliceLabel = el('label', { for: 'slice', title: 'Dim the steps the finding does not depend on' }, toggle, ` slice: ${v.steps.length - outside} of ${v.steps.length} steps`);
  header.append(sliceLabel);
  const legend = el('p', { class: 'legend muted' }, 'locks held: ', el('span', { class: 'mmap-r' }, 'mmap / range / VMA read, speculative'), el('span', { class: 'mmap-w' }, 'mmap / range / VMA write'), el('span', { class: 'held' }, 'PTL'), el('span', { class: 'irq' }, 'IRQs off'));
  header.append(copy, legend);
  app.append(header);

  const grid = el('table', { class: 'grid' });
  const head = el('tr', {}, el('th', {}, '#'));
  for (const t of v.threads) head.append(el('th', {}, `cpu${t.cpu} · ${t.name}${t.mm !== 'main' ? ` (${t.mm})` : ''}`));
  grid.append(el('thead', {}, head));
  const body = el('tbody');
  v.steps.forEach((s, i) => {
    const row = el('tr', { class: `step${i === v.steps.length - 1 ? ' last' : ''}${s.inSlice ? '' : ' outside'}`, 'data-index': String(i), title: `line ${s.line}${s.inSlice ? '' : ' (the finding does not depend on this step)'}` });
    row.append(el('td', { class: 'num' }, String(i + 1)));
    v.threads.forEach((_, c) => {
      const locks = s.machine.locks[c] ?? [];
      const tip = [locks.length ? `holds: ${locks.join(', ')}` : '', s.thread === c ? s.footprint : ''].filter((x) => x).join('\n');
      const cell = el('td', { class: `cell ${lockClass(locks)}`, title: tip });
      if (s.thread === c) cell.append(s.text, el('span', { class: 'kernel' }, s.kernel));
      row.append(cell);
    });
    row.addEventListener('click', () => select(i, true));
    body.append(row);
  });
  grid.append(body);

  const layout = el('div', { class: 'layout' }, el('div', { class: 'trace' }, grid), el('div', { class: 'machine', id: 'machine' }));
  app.append(layout);
  select(v.steps.length - 1, false);
}

function renderMachine(v: TraceView, i: number): void {
  const box = document.getElementById('machine');
  if (!box) return;
  const now = i >= 0 ? v.steps[i]!.machine : v.initial;
  const before = i > 0 ? v.steps[i - 1]!.machine : i === 0 ? v.initial : undefined;
  box.replaceChildren(el('p', { class: 'muted' }, i >= 0 ? `The machine after step ${i + 1} (${v.threads[v.steps[i]!.thread]?.name}: ${v.steps[i]!.text}); changed fields are highlighted.` : 'The initial machine.'));
  for (const sec of now.sections) {
    if (sec.rows.length === 0) continue;
    const prev = before?.sections.find((x) => x.title === sec.title);
    const t = el('table');
    t.append(el('thead', {}, el('tr', {}, ...sec.columns.map((c) => el('th', {}, c)))));
    const tb = el('tbody');
    for (const r of sec.rows) {
      const old = prev?.rows.find((x) => x.key === r.key);
      tb.append(el('tr', {}, ...r.cells.map((c, k) => el('td', before && (!old || old.cells[k] !== c) ? { class: 'changed' } : {}, c))));
    }
    t.append(tb);
    box.append(el('h3', {}, sec.title), t);
  }
}

function select(i: number, reveal: boolean): void {
  if (!view) return;
  selected = Math.max(0, Math.min(i, view.steps.length - 1));
  document.querySelectorAll('tr.step').forEach((r) => r.classList.toggle('selected', Number((r as HTMLElement).dataset['index']) === selected));
  renderMachine(view, selected);
  const s = view.steps[selected];
  if (reveal && s) api.postMessage({ type: 'reveal', line: s.line, col: s.col, source });
}

function renderCompare(title: string, table: CompareResult): void {
  view = undefined;
  const tableSource = source;
  app.replaceChildren(el('header', {}, el('h2', {}, title), el('p', { class: 'muted' }, 'Each scenario under every locking design. Select a finding to see its shortest interleaving under that design.')));
  const t = el('table', { class: 'compare' });
  t.append(el('thead', {}, el('tr', {}, el('th', {}, 'scenario'), ...table.designs.map((d) => el('th', {}, d)))));
  const tb = el('tbody');
  for (const row of table.rows) {
    const tr = el('tr', {}, el('td', {}, row.scenario));
    for (const c of row.cells) {
      const title = c.error ?? `${c.states.toLocaleString('en-US')} states${c.complete ? '' : ' (incomplete)'}`;
      const td = el('td', { class: c.findings.length ? 'race' : '', title });
      if (!c.findings.length || c.error) td.append(c.verdict);
      // one link per finding: its shortest interleaving under this design
      c.findings.forEach((f, i) => {
        const a = el('a', { href: '#', class: 'finding', title: `${f.type} ${f.code} at line ${f.line}: ${f.trace.length} steps` }, `${f.code} (${f.trace.length} steps)`);
        a.addEventListener('click', (e) => {
          e.preventDefault();
          api.postMessage({ type: 'trace', scenario: row.scenario, design: c.design, finding: i, source: tableSource });
        });
        td.append(a, el('br'));
      });
      if (c.findings.length && !c.complete) td.append('(incomplete)');
      tr.append(td);
    }
    tb.append(tr);
  }
  t.append(tb);
  app.append(t);
}

/** The outcome table: one row an outcome; selecting one lists its shortest interleaving, each step a link to its line. */
function renderOutcomes(r: OutcomesResult): void {
  view = undefined;
  const tableSource = source;
  const t = r.table;
  app.replaceChildren(
    el('header', {}, el('h2', {}, `Outcomes of ${r.scenario}`), el('p', { class: 'muted' }, `locking ${r.design} · ${r.outcomes.outcomes.length} outcomes over ${r.outcomes.terminal} terminal states · select an outcome to see a shortest interleaving that reaches it`)),
    ...t.notes.map((n) => el('p', { class: 'muted' }, n)),
    ...t.verdicts.map((v) => el('p', { class: /: (Always|Sometimes|Never) /.test(v) ? 'msg' : 'muted' }, v)),
  );
  const table = el('table', { class: 'outcomes' });
  table.append(el('thead', {}, el('tr', {}, ...t.head.map((h) => el('th', {}, h)))));
  const tb = el('tbody');
  const steps = el('div', { class: 'outcome-trace' });
  t.rows.forEach((row, i) => {
    const tr = el('tr', { class: 'step', 'data-index': String(i), title: `${row.steps} micro-steps` }, ...row.cells.map((c) => el('td', c === 'fails' ? { class: 'race' } : {}, c)));
    tr.addEventListener('click', () => {
      document.querySelectorAll('table.outcomes tr.step').forEach((x) => x.classList.toggle('selected', x === tr));
      const trace = r.outcomes.outcomes[i]?.trace ?? [];
      const list = el('ol');
      for (const s of trace) {
        const a = el('a', { href: '#' }, `${s.thread}: ${s.step}`);
        a.addEventListener('click', (e) => {
          e.preventDefault();
          api.postMessage({ type: 'reveal', line: s.line, col: s.col, source: tableSource });
        });
        list.append(el('li', { title: s.kernel }, a));
      }
      steps.replaceChildren(el('h3', {}, `Outcome ${i + 1}: ${trace.length} micro-steps`), list);
    });
    tb.append(tr);
  });
  table.append(tb);
  app.append(table, steps);
}

window.addEventListener('message', (e: MessageEvent<HostToWebview>) => {
  const m = e.data;
  switch (m.type) {
    case 'show':
      view = m.view;
      source = m.source;
      renderTrace(m.view);
      break;
    case 'compare':
      source = m.source;
      renderCompare(m.title, m.table);
      break;
    case 'outcomes':
      source = m.source;
      renderOutcomes(m.result);
      break;
    case 'loading':
      app.replaceChildren(el('p', { class: 'muted' }, m.message));
      break;
    case 'error':
      app.replaceChildren(el('p', { class: 'race' }, m.message));
      break;
  }
});

window.addEventListener('keydown', (e) => {
  if (!view) return;
  if (e.key === 'ArrowDown' || e.key === 'j') select(selected + 1, true);
  else if (e.key === 'ArrowUp' || e.key === 'k') select(selected - 1, true);
});

api.postMessage({ type: 'ready' });
