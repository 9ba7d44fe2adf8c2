// What the learner's machine trusts for https, shared by `curl` and `load`: --cacert FILE, else the sandbox's
// "system" CA store (ca.pem, a session file the scenario writes, as /etc/ssl/certs is on a server), else nothing.
// And curl's --resolve NAME:PORT:ADDRESS, which reaches a name at an address of your choice, before DNS (dns.ts).
import type { Certificate } from '../network/tls/pki';
import { sessionFile } from './files';
import { CurlError } from './http-client';

const SYSTEM_CA = 'ca.pem';

export async function trustedCertificates(folder: string, cacert?: string): Promise<Certificate[]> {
  let text = '';
  if (cacert) {
    const file = sessionFile(folder, cacert);
    if ('error' in file) throw new CurlError(77, `error setting certificate file: ${cacert}`, 'bad CA file');
    text = file.text;
  } else {
    const system = sessionFile(folder, SYSTEM_CA);
    if ('text' in system) text = system.text;
  }
  const blocks = text.match(/-----BEGIN SANDBOX CERTIFICATE-----[\s\S]*?-----END SANDBOX CERTIFICATE-----/g) ?? [];
  if (!blocks.length) return [];
  // The TLS model is loaded by the first https request, not by every shell's start (../http-client.ts says why).
  const { decodeCertificate } = await import('../network/tls/pki');
  return blocks.map((block) => decodeCertificate(block));
}

/** --resolve entries as parseUrl wants them ("name:port" → address), or the first malformed entry. */
export function resolveEntries(entries: string[]): { map: Map<string, string> } | { bad: string } {
  const bad = entries.find((entry) => !/^[^:]+:\d+:\d{1,3}(\.\d{1,3}){3}$/.test(entry));
  if (bad !== undefined) return { bad };
  return {
    map: new Map(
      entries.map((entry) => [entry.slice(0, entry.lastIndexOf(':')), entry.slice(entry.lastIndexOf(':') + 1)]),
    ),
  };
}
