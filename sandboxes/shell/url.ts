// Reads a URL the way curl does: no scheme means http://, the port defaults to 80, and only addresses resolve (the
// sandbox has no DNS, so a name such as "web-01" fails as an unknown host would).
import { CurlError } from './http-client';

export interface Target {
  host: string;
  port: number;
  path: string;
}

export function parseUrl(text: string): Target {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  const scheme = withScheme.slice(0, withScheme.indexOf(':')).toLowerCase();
  if (scheme !== 'http') throw new CurlError(1, `Protocol "${scheme}" not supported or disabled in libcurl`, 'unsupported protocol');
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CurlError(3, 'URL using bad/illegal format or missing URL', 'bad URL');
  }
  if (!url.hostname) throw new CurlError(3, 'URL using bad/illegal format or missing URL', 'bad URL');
  const host = url.hostname === 'localhost' ? '127.0.0.1' : url.hostname;
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) throw new CurlError(6, `Could not resolve host: ${host}`, 'unknown host');
  return { host, port: url.port ? Number(url.port) : 80, path: url.pathname + url.search };
}
