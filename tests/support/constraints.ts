// SANDBOX_CONSTRAINTS=webcontainer runs the tests' sandbox programs under the emulated limits of a WebContainer, as
// the local bridge's constrained mode does (src/runtime/local/constraints.ts): every harness that spawns a program
// passes its environment through `spawnEnv`, and the browser tests open pages with `constraints=webcontainer`.
import { constrainedEnv } from '../../src/runtime/local/constraints.ts';
import { parseConstraints } from '../../src/runtime/types.ts';

/** The constraints the tests run under, from SANDBOX_CONSTRAINTS (none when unset). */
export const constraints = parseConstraints(process.env.SANDBOX_CONSTRAINTS);
if (process.env.SANDBOX_CONSTRAINTS && !constraints)
  throw new Error(
    `SANDBOX_CONSTRAINTS='${process.env.SANDBOX_CONSTRAINTS}' is not a mode the bridge knows (webcontainer)`,
  );

/** The environment for a spawned sandbox program: the given one, under the limits when the tests run constrained. */
export function spawnEnv<Env extends Record<string, string | undefined>>(env: Env): Env {
  return constraints ? constrainedEnv(env) : env;
}
