// Reads a URL the way curl does: no scheme means http://, the port defaults to 80 (443 for https), and a host name
// resolves through --resolve NAME:PORT:ADDRESS first, then through the sandbox's DNS (dns.ts), which knows only
// the names of the scenario's zone file: "web-01" alone fails as an unknown host would.
import { CurlError } from './http-client';

export interface Target {
  /** The address to connect to: the first of `addresses`. */
  host: string;
  /** Every address the name resolved to, in the order to try them (one, unless DNS gave several A records). */
  addresses: string[];
  port: number;
  path: string;
  /** The name as typed in the URL: the Host header and, for https, the name the certificate must carry. */
  name: string;
  secure: boolean;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** `resolve` maps "name:port" to an address, from curl's --resolve option; `lookup` asks DNS for a name's addresses. */
export function parseUrl(
  text: string,
  resolve: Map<string, string> = new Map(),
  lookup?: (name: string) => string[] | undefined,
): Target {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  const scheme = withScheme.slice(0, withScheme.indexOf(':')).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https')
    throw new CurlError(1, `Protocol "${scheme}" not supported or disabled in libcurl`, 'unsupported protocol');
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CurlError(3, 'URL using bad/illegal format or missing URL', 'bad URL');
  }
  if (!url.hostname) throw new CurlError(3, 'URL using bad/illegal format or missing URL', 'bad URL');
  const secure = scheme === 'https';
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const name = url.hostname;
  const addresses = resolveHost(name, port, resolve, lookup);
  return { host: addresses[0], addresses, port, path: url.pathname + url.search, name, secure };
}

/** The addresses of a host: an address as is, else --resolve, else DNS; curl's error 6 when there are none. */
export function resolveHost(
  name: string,
  port: number,
  resolve: Map<string, string> = new Map(),
  lookup?: (name: string) => string[] | undefined,
): string[] {
  const pinned =
    resolve.get(`${name}:${port}`) ?? (name === 'localhost' ? '127.0.0.1' : IPV4.test(name) ? name : undefined);
  const addresses = pinned ? [pinned] : (lookup?.(name) ?? []);
  if (addresses.length === 0) throw new CurlError(6, `Could not resolve host: ${name}`, 'unknown host');
  return addresses;
}
