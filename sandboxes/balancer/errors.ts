// The answers HAProxy writes itself when it cannot give the server's (src/http.c, http_err_msgs), byte for byte as
// HAProxy 2.6.12 sends them (checked against the Debian 12 package): a 502, 503 or 504 goes through HAProxy's HTTP
// layer, which writes header names in lower case and keeps the connection; a 400 or 408 is written by the
// connection layer from the raw message, with its capitalised headers and `Connection: close`.

export interface ErrorPage {
  status: number;
  reason: string;
  /** The header lines in HAProxy's order, as [name, value] pairs. */
  headers: [string, string][];
  body: string;
  /** The whole answer as it goes on the wire. */
  bytes: Buffer;
}

const SENTENCES: Record<number, [string, string]> = {
  400: ['Bad request', 'Your browser sent an invalid request.'],
  403: ['Forbidden', 'Request forbidden by administrative rules.'],
  408: ['Request Time-out', "Your browser didn't send a complete request in time."],
  429: ['Too Many Requests', 'You have sent too many requests in a given amount of time.'],
  500: ['Internal Server Error', 'An internal server error occurred.'],
  502: ['Bad Gateway', 'The server returned an invalid or incomplete response.'],
  503: ['Service Unavailable', 'No server is available to handle this request.'],
  504: ['Gateway Time-out', "The server didn't respond in time."],
};

function page(status: number): ErrorPage {
  const [reason, sentence] = SENTENCES[status];
  const body = `<html><body><h1>${status} ${reason}</h1>\n${sentence}\n</body></html>\n`;
  const length = String(Buffer.byteLength(body));
  const headers: [string, string][] =
    status === 400 || status === 408
      ? [
          ['Content-length', length],
          ['Cache-Control', 'no-cache'],
          ['Connection', 'close'],
          ['Content-Type', 'text/html'],
        ]
      : [
          ['content-length', length],
          ['cache-control', 'no-cache'],
          ['content-type', 'text/html'],
        ];
  const head = `HTTP/1.1 ${status} ${reason}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  return { status, reason, headers, body, bytes: Buffer.from(head + body) };
}

export const errorPages = Object.fromEntries(
  Object.keys(SENTENCES).map((code) => [code, page(Number(code))]),
) as Record<DenyStatus, ErrorPage>;

/** The codes `http-request deny deny_status` can use here (HAProxy has a page for each). */
export type DenyStatus = 400 | 403 | 408 | 429 | 500 | 502 | 503 | 504;

const REDIRECT_REASONS: Record<number, string> = {
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
};

/**
 * The answer of `http-request redirect`, as HAProxy 2.6.12 writes it: no body, the location, and `cache-control:
 * no-cache` for the temporary codes (302, 303, 307) so that caches do not keep them.
 */
export function redirectPage(code: number, location: string): ErrorPage {
  const headers: [string, string][] = [
    ['content-length', '0'],
    ['location', location],
  ];
  if (code !== 301 && code !== 308) headers.push(['cache-control', 'no-cache']);
  const reason = REDIRECT_REASONS[code];
  return {
    status: code,
    reason,
    headers,
    body: '',
    bytes: Buffer.from(`HTTP/1.1 ${code} ${reason}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`),
  };
}
