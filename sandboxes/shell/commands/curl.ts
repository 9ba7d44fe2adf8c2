// A curl for the sandbox: the options learners use, curl's own output shapes (-i, -v) and its error numbers and
// texts, so what they see here is what they will see on a real server. Bytes go through the sandbox network as
// the learner's machine (203.0.113.10, "the internet").
import type { Command, CommandIO } from '../command';
import { CurlError, exchange, header, requestHead, type HttpRequest, type HttpResponse } from '../http-client';
import { resolveEntries, trustedCertificates } from '../trust';
import { query } from '../dns';
import { parseUrl } from '../url';
import { waitForSandbox } from '../wait';

// The version curl reports in User-Agent: Debian 12's, the system the course's real-tool notes were checked on.
const USER_AGENT = 'curl/7.88.1';
// What curl 7.88 adds after error 60.
const CERT_ADVICE = `More details here: https://curl.se/docs/sslcerts.html

curl failed to verify the legitimacy of the server and therefore could not
establish a secure connection to it. To learn more about this situation and
how to fix it, please visit the web page mentioned above.
`;

interface Options {
  include: boolean;
  verbose: boolean;
  silent: boolean;
  showError: boolean;
  head: boolean;
  fail: boolean;
  method?: string;
  data: string[];
  headers: string[];
  maxTimeMs?: number;
  connectTimeoutMs?: number;
  writeOut?: string;
  discard: boolean;
  resolve: string[];
  cacert?: string;
  insecure: boolean;
  urls: string[];
}

// Option names as curl spells them; `true` = takes a value.
const OPTIONS: Record<string, [keyof Options, boolean]> = {
  '-i': ['include', false],
  '--include': ['include', false],
  '-v': ['verbose', false],
  '--verbose': ['verbose', false],
  '-s': ['silent', false],
  '--silent': ['silent', false],
  '-S': ['showError', false],
  '--show-error': ['showError', false],
  '-I': ['head', false],
  '--head': ['head', false],
  '-f': ['fail', false],
  '--fail': ['fail', false],
  '-X': ['method', true],
  '--request': ['method', true],
  '-d': ['data', true],
  '--data': ['data', true],
  '--data-raw': ['data', true],
  '-H': ['headers', true],
  '--header': ['headers', true],
  '-m': ['maxTimeMs', true],
  '--max-time': ['maxTimeMs', true],
  '--connect-timeout': ['connectTimeoutMs', true],
  '-w': ['writeOut', true],
  '--write-out': ['writeOut', true],
  '-o': ['discard', true],
  '--output': ['discard', true],
  '--url': ['urls', true],
  '--resolve': ['resolve', true],
  '--cacert': ['cacert', true],
  '-k': ['insecure', false],
  '--insecure': ['insecure', false],
};

class UsageError extends Error {}

function parseOptions(args: string[]): Options {
  const options: Options = {
    include: false,
    verbose: false,
    silent: false,
    showError: false,
    head: false,
    fail: false,
    data: [],
    headers: [],
    discard: false,
    resolve: [],
    insecure: false,
    urls: [],
  };
  const set = (flag: string, value: string | undefined) => {
    const [key, takesValue] = OPTIONS[flag] ?? [];
    if (!key) throw new UsageError(`option ${flag}: is unknown`);
    if (!takesValue) return void ((options[key] as boolean) = true);
    if (value === undefined) throw new UsageError(`option ${flag}: requires parameter`);
    if (key === 'data' || key === 'headers' || key === 'urls' || key === 'resolve') options[key].push(value);
    else if (key === 'maxTimeMs' || key === 'connectTimeoutMs') {
      const seconds = Number(value);
      if (!(seconds >= 0)) throw new UsageError(`option ${flag}: expected a proper numerical parameter`);
      options[key] = seconds * 1000;
    } else if (key === 'discard') {
      // Only the classic `-o /dev/null` (keep the status, drop the body): the sandbox's files are the scenario's.
      if (value !== '/dev/null') throw new UsageError(`option ${flag}: this sandbox's curl only writes to /dev/null`);
      options.discard = true;
    } else (options[key] as string) = value;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg.startsWith('--')) {
      set(arg, OPTIONS[arg]?.[1] ? args[++i] : undefined);
    } else if (arg.startsWith('-') && arg.length > 1) {
      // Short options combine (-sS, -iv) and take their value attached or as the next word (-XPOST, -X POST).
      for (let j = 1; j < arg.length; j++) {
        const flag = `-${arg[j]}`;
        if (OPTIONS[flag]?.[1]) {
          set(flag, j + 1 < arg.length ? arg.slice(j + 1) : args[++i]);
          break;
        }
        set(flag, undefined);
      }
    } else options.urls.push(arg);
  }
  // The sandbox's TLS model always checks the certificate; pretending to skip it would teach the wrong thing.
  if (options.insecure)
    throw new UsageError(
      'option -k: not supported by this sandbox (its TLS always verifies the certificate; use --cacert FILE)',
    );
  const resolve = resolveEntries(options.resolve);
  if ('bad' in resolve)
    throw new UsageError(
      `option --resolve: expects NAME:PORT:ADDRESS, e.g. www.example.com:443:10.0.0.2, not '${resolve.bad}'`,
    );
  return options;
}

/** The request, with the name as typed in the URL and every address it resolved to (DNS round robin gives several). */
async function buildRequest(
  url: string,
  options: Options,
  folder: string,
): Promise<HttpRequest & { name: string; addresses: string[] }> {
  const resolve = resolveEntries(options.resolve);
  const target = parseUrl(url, 'map' in resolve ? resolve.map : undefined, (name) => query(folder, name)?.addresses);
  const defaultPort = target.secure ? 443 : 80;
  const body = options.data.length ? options.data.join('&') : undefined;
  const method = options.method ?? (options.head ? 'HEAD' : body !== undefined ? 'POST' : 'GET');
  // -H works as in curl: "K: V" adds K or replaces curl's own K (Host keeps its place, the others move to the
  // end), "K:" removes it, and "K;" sends it empty.
  const custom = options.headers.flatMap((line): [string, string | undefined][] => {
    const match = /^([^:;]+)([:;])(.*)$/.exec(line);
    if (!match) return []; // curl ignores a -H without a colon
    const value = match[3].trim();
    return [[match[1].trim(), match[2] === ';' ? '' : value || undefined]];
  });
  const given = (name: string) => custom.find(([k]) => k.toLowerCase() === name.toLowerCase());
  const headers: [string, string][] = [];
  const defaults: [string, string][] = [
    ['Host', target.port === defaultPort ? target.name : `${target.name}:${target.port}`],
    ['User-Agent', USER_AGENT],
    ['Accept', '*/*'],
  ];
  for (const [name, value] of defaults) {
    const override = given(name);
    if (!override) headers.push([name, value]);
    else if (name === 'Host' && override[1] !== undefined) headers.push([override[0], override[1]]);
  }
  for (const [name, value] of custom) {
    if (value !== undefined && name.toLowerCase() !== 'host') headers.push([name, value]);
  }
  if (body !== undefined) {
    if (!header(headers, 'content-length')) headers.push(['Content-Length', String(Buffer.byteLength(body))]);
    if (!header(headers, 'content-type')) headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
  }
  const tls = target.secure
    ? { servername: target.name, trusted: await trustedCertificates(folder, options.cacert) }
    : undefined;
  return {
    method,
    host: target.host,
    name: target.name,
    addresses: target.addresses,
    port: target.port,
    path: target.path,
    headers,
    body,
    tls,
    maxTimeMs: options.maxTimeMs,
    connectTimeoutMs: options.connectTimeoutMs,
  };
}

/** curl's -w variables that a learner is likely to use. */
function writeOut(format: string, response: HttpResponse | undefined, request: HttpRequest, seconds: number): string {
  const values: Record<string, string> = {
    http_code: String(response?.status ?? 0).padStart(3, '0'),
    response_code: String(response?.status ?? 0).padStart(3, '0'),
    time_total: seconds.toFixed(6),
    remote_ip: request.host,
    remote_port: String(request.port),
    size_download: String(response?.body.length ?? 0),
  };
  return format
    .replace(/%\{(\w+)\}/g, (all, name: string) => values[name] ?? all)
    .replace(/\\n/g, '\n')
    .replace(/\\t/g, '\t');
}

async function fetchOne(url: string, options: Options, io: CommandIO): Promise<number> {
  let request: HttpRequest | undefined;
  const started = Date.now();
  const info = (line: string) => options.verbose && io.err(line + '\n');
  const showRequest = () =>
    info(
      requestHead(request!)
        .split('\r\n')
        .slice(0, -1)
        .map((line) => `> ${line}`)
        .join('\n'),
    );
  try {
    const { name, addresses, ...first } = await buildRequest(url, options, io.session.folder);
    request = first;
    const attempt = (to: HttpRequest) =>
      exchange({
        ...to,
        signal: io.signal,
        onConnected: () => {
          info(`* Connected to ${name} (${to.host}) port ${to.port} (#0)`);
          if (to.tls) info('* TLSv1.3 (OUT), TLS handshake, Client hello (1):');
          else showRequest();
        },
        onSecure: (certificate) => {
          info(
            [
              '* TLSv1.3 (IN), TLS handshake, Server hello (2):',
              '* TLSv1.3 (IN), TLS handshake, Certificate (11):',
              '* TLSv1.3 (IN), TLS handshake, CERT verify (15):',
              '* SSL connection using TLSv1.3 / TLS_AES_128_GCM_SHA256',
              '* Server certificate:',
              `*  subject: CN=${certificate.subject}`,
              `*  start date: ${certificate.not_before}`,
              `*  expire date: ${certificate.not_after}`,
              `*  issuer: CN=${certificate.issuer}`,
              '*  SSL certificate verify ok.',
            ].join('\n'),
          );
          showRequest();
        },
      });
    let response: HttpResponse | undefined;
    for (const [i, address] of addresses.entries()) {
      request = { ...request, host: address };
      info(`*   Trying ${address}:${request.port}...`);
      try {
        response = await attempt(request);
        break;
      } catch (error) {
        // Like curl, try the name's next address when one refuses the connection (the other A record).
        if (!(error instanceof CurlError) || error.code !== 7 || i === addresses.length - 1) throw error;
        info(`* connect to ${address} port ${request.port} failed: Connection refused`);
      }
    }
    if (!response) throw new CurlError(6, `Could not resolve host: ${name}`, 'unknown host');
    info([`< ${response.statusLine}`, ...response.headers.map(([k, v]) => `< ${k}: ${v}`), '< '].join('\n'));
    if (options.fail && response.status >= 400) {
      throw new CurlError(22, `The requested URL returned error: ${response.status}`, 'http error');
    }
    if (options.include || options.head) {
      io.out([response.statusLine, ...response.headers.map(([k, v]) => `${k}: ${v}`), '', ''].join('\n'));
    }
    if (!options.discard) io.out(response.body.toString('utf8'));
    info(response.closing ? '* Closing connection 0' : `* Connection #0 to host ${name} left intact`);
    if (options.writeOut) io.out(writeOut(options.writeOut, response, request, (Date.now() - started) / 1000));
    return 0;
  } catch (error) {
    if (!(error instanceof CurlError)) throw error;
    if (io.signal.aborted) return 130;
    if (error.code === 7) info(`* connect to ${request!.host} port ${request!.port} failed: Connection refused`);
    info(`* ${error.message}`);
    if (request) info('* Closing connection 0');
    if (options.writeOut && request)
      io.out(writeOut(options.writeOut, undefined, request, (Date.now() - started) / 1000));
    if (!options.silent || options.showError)
      io.err(`curl: (${error.code}) ${error.message}\n${error.code === 60 ? CERT_ADVICE : ''}`);
    return error.code;
  }
}

export const curl: Command = {
  name: 'curl',
  summary: 'make an HTTP request',
  usage: `curl [options] URL
  -i, --include          show the response's status line and headers
  -v, --verbose          show the connection, the request sent (>) and the response headers (<)
  -I, --head             send a HEAD request and show only the headers
  -X, --request METHOD   use METHOD (GET, POST, PUT, DELETE...)
  -d, --data DATA        send DATA as the body (a POST unless -X says otherwise)
  -H, --header 'K: V'    add or replace a request header ('K:' removes it)
  -s, --silent           no error messages (-S shows them again)
  -f, --fail             fail with error 22 on an HTTP error status
  -m, --max-time SECS    give up after SECS seconds
  --connect-timeout SECS give up connecting after SECS seconds (default 300, as curl)
  --resolve NAME:PORT:ADDR  use ADDR for NAME instead of asking DNS: --resolve www.example.com:443:10.0.0.2
  --cacert FILE          trust the certificates in FILE for https (default: the sandbox's ca.pem, if any)
  -w, --write-out FMT    print FMT after the transfer: %{http_code} %{time_total} %{remote_ip}
  -o /dev/null           discard the body (with -w '%{http_code}\\n')
Examples:
  curl http://10.0.0.2/
  curl -i -X POST -d 'name=ada' -H 'X-Trace: 1' http://10.0.0.2/login
Requests come from 203.0.113.10, the learner's machine on the internet. Ctrl-C stops a request.`,
  async run(args, io) {
    let options: Options;
    try {
      options = parseOptions(args);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      io.err(`curl: ${error.message}\ncurl: try 'curl --help' or 'curl --manual' for more information\n`);
      return 2;
    }
    if (options.urls.length === 0) {
      io.err(
        `${args.length ? 'curl: no URL specified!\n' : ''}curl: try 'curl --help' or 'curl --manual' for more information\n`,
      );
      return 2;
    }
    await waitForSandbox(io);
    let status = 0;
    for (const url of options.urls) status = (await fetchOne(url, options, io)) || status;
    return status;
  },
  complete: (args) => (args[args.length - 1].startsWith('-') ? Object.keys(OPTIONS) : ['http://10.0.0.2/']),
};
