// The tests of a file for a test explorer: each named scenario and its `expect` lines, from the
// fast parse (no exploration). A scenario whose name is already taken is left out (the duplicate
// is an error of the file).
import type { CheckedFile } from './check-file';
import { toPosition } from './analyze';
import type { TestScenarioView } from './views';

export function testScenarios(file: CheckedFile): TestScenarioView[] {
  const seen = new Set<string>();
  const out: TestScenarioView[] = [];
  for (const sc of file.scenarios) {
    const name = sc.ast.name?.text;
    if (!name || seen.has(name)) continue;
    seen.add(name);
    out.push({ ...toPosition(sc.ast.headSpan), name, expectations: sc.model.expectations.map((e) => ({ ...toPosition(e.span), text: e.text })) });
  }
  return out;
}
