// Vitest global setup: bundle the sandbox programs so integration tests run exactly what a sandbox runs.
// @ts-expect-error: a plain ES module script without type declarations
import { buildSandboxes } from '../../scripts/build-sandboxes.mjs';

export default async function setup(): Promise<void> {
  await buildSandboxes();
}
