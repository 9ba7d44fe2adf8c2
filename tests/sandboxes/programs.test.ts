// The one template every sandbox program follows (CONTRIBUTING.md, "Add a sandbox program"), checked for every
// folder the build bundles, so a program added under sandboxes/ is held to it without a list to edit.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without type declarations
import { programs } from '../../scripts/build-sandboxes.mjs';

const sandboxes = join(import.meta.dirname, '..', '..', 'sandboxes');
const found: string[] = programs();
/** main.ts holds the command line, the control channel and signals; the store's three roles make it the longest. */
const MAIN_AT_MOST = 110;

describe('the sandbox programs', () => {
  it('are the folders with a main.ts, all eight of today among them', () => {
    expect(found).toEqual(
      expect.arrayContaining(['balancer', 'monitor', 'probe', 'shell', 'store', 'supervisor', 'vrrp', 'web']),
    );
  });

  it.each(found)('%s has a README that names each of its files', (program) => {
    const readme = join(sandboxes, program, 'README.md');
    expect(existsSync(readme), `sandboxes/${program}/README.md`).toBe(true);
    const text = readFileSync(readme, 'utf8');
    const files = readdirSync(join(sandboxes, program)).filter((file) => file.endsWith('.ts'));
    expect(
      files.filter((file) => !text.includes(file)),
      `files not in sandboxes/${program}/README.md`,
    ).toEqual([]);
  });

  it.each(found)(
    `%s keeps main.ts to the command line, the control channel and signals (at most ${MAIN_AT_MOST} lines)`,
    (program) => {
      const main = readFileSync(join(sandboxes, program, 'main.ts'), 'utf8');
      expect(main.trimEnd().split('\n').length).toBeLessThanOrEqual(MAIN_AT_MOST);
    },
  );

  // The shell and a spare take no options: a spare is told what to become on stdin.
  it.each(found.filter((program) => program !== 'shell' && program !== 'spare'))(
    '%s reads its command line with the shared reader',
    (program) => {
      // main.ts, or the program's own command-line.ts when its options need a module (the store's three roles).
      const readers = ['main.ts', 'command-line.ts']
        .map((file) => join(sandboxes, program, file))
        .filter((file) => existsSync(file) && readFileSync(file, 'utf8').includes("from '../shared/command-line'"));
      expect(readers).not.toEqual([]);
    },
  );
});
