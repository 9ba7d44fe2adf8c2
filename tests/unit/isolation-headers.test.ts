// The build's check that the built site tells static hosts to send the cross-origin isolation headers
// (src/integrations/isolation-headers.ts), run on folders made to look like a built site.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isolationHeaderFaults } from '../../src/integrations/isolation-headers';

const dirs: string[] = [];
function site(headers?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'built-site-'));
  dirs.push(dir);
  if (headers !== undefined) writeFileSync(join(dir, '_headers'), headers);
  return dir;
}
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('the isolation headers check of a built site', () => {
  it('passes the _headers file the course ships', () => {
    expect(isolationHeaderFaults(site(readFileSync('public/_headers', 'utf8')))).toEqual([]);
  });

  it('fails a site without a _headers file, saying where it comes from', () => {
    const dir = site();
    expect(isolationHeaderFaults(dir)).toEqual([
      `${join(dir, '_headers')} is missing: copy public/_headers back (it ships with the course)`,
    ]);
  });

  it('fails a _headers file that lacks one header, naming it', () => {
    const dir = site('/*\n  Cross-Origin-Opener-Policy: same-origin\n');
    expect(isolationHeaderFaults(dir)).toEqual([
      `${join(dir, '_headers')} does not send "Cross-Origin-Embedder-Policy: require-corp" for /*`,
    ]);
  });

  it('fails headers given for some paths only, or with another value', () => {
    const dir = site(
      '/lessons/*\n  Cross-Origin-Opener-Policy: same-origin\n  Cross-Origin-Embedder-Policy: require-corp\n/*\n  Cross-Origin-Embedder-Policy: credentialless\n',
    );
    expect(isolationHeaderFaults(dir)).toHaveLength(2);
  });

  it('reads header names case-insensitively and skips comments, as the hosts do', () => {
    expect(
      isolationHeaderFaults(
        site(
          '# isolation\n/*\n  # both\n  cross-origin-opener-policy: same-origin\n\tCROSS-ORIGIN-EMBEDDER-POLICY: require-corp\n',
        ),
      ),
    ).toEqual([]);
  });
});
