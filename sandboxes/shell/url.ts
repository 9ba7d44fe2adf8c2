// Reads a URL the way curl does: no scheme means http://, the port defaults to 80 (443 for https), and a host name
// resolves only through --resolve NAME:PORT:ADDRESS (the sandbox has no DNS, so "web-01" alone fails as an unknown
// host would).
import { CurlError } from './http-client';

export interface Target {
  /** The address to connect to. */
  host: string;
  port: number;
  path: string;
  /** The name as typed in the URL: the Host header and, for https, the name the certificate must carry. */
  name: string;
  secure: boolean;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** `resolve` maps "name:port" to an address, from curl's --resolve option. */
export function parseUrl(text: string, resolve: Map<string, string> = new Map()): Target {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  const scheme = withScheme.slice(0, withScheme.indexOf(':')).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw new CurlError(1, `Protocol "${scheme}" not supported or disabled in libcurl`, 'unsupported protocol');
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
  const host = resolve.get(`${name}:${port}`) ?? (name === 'localhost' ? '127.0.0.1' : name);
  if (!IPV4.test(host)) throw new CurlError(6, `Could not resolve host: ${name}`, 'unknown host');
  return { host, port, path: url.pathname + url.search, name, secure };
}
