// The build's check of the lessons' sandboxes (src/integrations/lessons.ts, run by astro build, dev and sync): a
// lesson that embeds a scenario the registry does not have stops the build with the file, the line, the name and
// the names it could have meant; a sandbox written in another form, which the outline would not see, stops it too.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scenarios } from '../../sandboxes/scenarios/index';
import { LESSONS_DIR, lessonCheck, lessonFaults } from '../../src/integrations/lessons';
import { root } from './lessons';

const known = Object.keys(scenarios);
const site = mkdtempSync(join(tmpdir(), 'lesson-check-'));
afterAll(() => rmSync(site, { recursive: true, force: true }));

/** A site folder holding one lesson with this body. */
function siteWith(file: string, body: string): string {
  const dir = mkdtempSync(join(site, 'site-'));
  mkdirSync(join(dir, LESSONS_DIR), { recursive: true });
  writeFileSync(
    join(dir, LESSONS_DIR, file),
    `---\ntitle: A lesson\nsidebar:\n  order: 3\n---\n\nimport Sandbox from '../../src/components/Sandbox.astro';\n\n${body}\n`,
  );
  return dir;
}

/** The error `astro:config:setup` throws for the site at `dir`, or undefined when it lets the build go on. */
function buildError(dir: string): string | undefined {
  const setup = lessonCheck(known).hooks['astro:config:setup']!;
  try {
    (setup as (options: { config: { root: URL } }) => void)({ config: { root: new URL(`file://${dir}/`) } });
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

describe("the build checks the lessons' sandboxes", () => {
  it("lets the course's own lessons through", () => {
    expect(lessonFaults(root, known)).toEqual([]);
    expect(buildError(root)).toBeUndefined();
  });

  it('stops on a misnamed scenario, naming the lesson file, the line, the scenario and the known names', () => {
    const error = buildError(siteWith('new-lesson.mdx', '## Try it\n\n<Sandbox scenario="two-server" />'));
    expect(error).toBe(
      'The lessons embed sandboxes that cannot start:\n' +
        `${LESSONS_DIR}/new-lesson.mdx:11: <Sandbox scenario="two-server" />: there is no scenario "two-server" in sandboxes/scenarios/index.ts (known: ${[...known].sort().join(', ')})`,
    );
    expect(known).toContain('two-servers');
  });

  it('stops on a sandbox written in another form, which the outline would miss', () => {
    const error = buildError(siteWith('other-form.mdx', "Text.\n\n<Sandbox scenario='two-servers'/>"));
    expect(error).toContain(
      `${LESSONS_DIR}/other-form.mdx:11: write the sandbox as <Sandbox scenario="name" /> on a line of its own, not <Sandbox scenario='two-servers'/>`,
    );
  });
});
