// Every config check takes time in proportion to the file: one megabyte of configuration, as one long line or as
// many lines, in the shapes that once made a parser quadratic (a 1 MB line took `balancer -c` 25 s, and a reload
// blocked the balancer's traffic as long), is checked with the right verdict in well under the bound. The bound is
// CPU time of this process, so a busy machine does not make it fail; only a super-linear parser can exceed it.
// bench/config-check.mjs prints the same cases' times.
import { describe, expect, it } from 'vitest';
import { cases } from '../../../bench/config-cases';

const BOUND_MS = 5_000;

describe('config checks in linear time', () => {
  it.each(cases.map((c) => [`${c.program}: ${c.shape}`, c] as const))(
    '%s: right verdict, well within the bound',
    (_, { make, check, expect: verdict }) => {
      const text = make();
      const used = process.cpuUsage();
      const result = check(text);
      const { user, system } = process.cpuUsage(used);
      expect(result).toMatch(verdict);
      expect((user + system) / 1000).toBeLessThan(BOUND_MS);
    },
    120_000,
  );
});
