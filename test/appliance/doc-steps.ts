/**
 * docs/install.md as a script: every ```sh block there is preceded by a marker
 * `<!-- step: NAME on: MACHINE -->`; the appliance test runs each block by name on that machine,
 * with the `<placeholder>`s filled in from what earlier steps printed. A block without a marker, a
 * placeholder nobody fills, or a step the test never runs fails the test, so the document cannot
 * drift from what is exercised.
 */
import { readFileSync } from 'node:fs';

export type DocMachine = 'it' | 'ot' | 'corp';

export interface DocStep {
  readonly name: string;
  readonly on: DocMachine;
  readonly script: string;
}

const MARKED = /<!-- step: ([a-z0-9-]+) on: (it|ot|corp) -->\n```sh\n([\s\S]*?)```/g;
const PLACEHOLDER = /<([a-z][a-z0-9 -]*)>/g;

export function readDocSteps(path: string): Map<string, DocStep> {
  const text = readFileSync(path, 'utf8');
  const steps = new Map<string, DocStep>();
  for (const m of text.matchAll(MARKED)) {
    const [, name, on, script] = m as unknown as [string, string, DocMachine, string];
    if (steps.has(name)) throw new Error(`${path}: step ${name} appears twice`);
    steps.set(name, { name, on, script });
  }
  const blocks = text.match(/```sh\n/g)?.length ?? 0;
  if (blocks !== steps.size)
    throw new Error(
      `${path}: ${blocks} sh blocks but ${steps.size} marked steps: every command block needs <!-- step: NAME on: it|ot|corp -->`,
    );
  return steps;
}

export function placeholdersOf(script: string): string[] {
  return [...script.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** The script with every placeholder replaced; throws naming any that has no value. */
export function fillPlaceholders(script: string, values: Readonly<Record<string, string>>): string {
  const missing = placeholdersOf(script).filter((p) => values[p] === undefined);
  if (missing.length > 0) throw new Error(`no value for <${missing.join('>, <')}> in:\n${script}`);
  return script.replace(PLACEHOLDER, (_m, p: string) => values[p] ?? '');
}

export interface DocRunner {
  /** Runs the named step once, placeholders filled, on its machine; returns what it printed. */
  run(name: string, values: Readonly<Record<string, string>>): Promise<string>;
  /** The steps not run yet (empty at the end of a test that follows the whole document). */
  notRun(): string[];
}

export function docRunner(
  steps: ReadonlyMap<string, DocStep>,
  runOn: (machine: DocMachine, script: string, step: string) => Promise<string>,
): DocRunner {
  const ran = new Set<string>();
  return {
    async run(name, values) {
      const step = steps.get(name);
      if (step === undefined) throw new Error(`the document has no step ${name}`);
      if (ran.has(name)) throw new Error(`step ${name} ran twice`);
      ran.add(name);
      return runOn(step.on, fillPlaceholders(step.script, values), name);
    },
    notRun: () => [...steps.keys()].filter((s) => !ran.has(s)),
  };
}
