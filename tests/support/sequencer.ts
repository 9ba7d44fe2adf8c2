// The order vitest hands test files to its workers. Its own order runs one project after the other and, without
// durations cached from an earlier run (a fresh clone, as CI is), the larger files first: so the files that take
// minutes but are short to read (the scenario solutions, the alert's resolution) and the second project's files all
// came last, and one worker ran alone for minutes at the end. Here the files known to be slow start first, in both
// projects, longest first; the others follow in vitest's order.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** A sequencer that starts `slowest` (paths from the project root, longest first) before every other file. */
export function slowestFirst(slowest: readonly string[]) {
  return class SlowestFirst extends BaseSequencer {
    override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
      const rank = (spec: TestSpecification) => {
        const at = slowest.findIndex((path) => spec.moduleId.endsWith(`/${path}`));
        return at === -1 ? slowest.length : at;
      };
      // Array.prototype.sort is stable: files of equal rank keep vitest's order.
      return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
    }
  };
}
