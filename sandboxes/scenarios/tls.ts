// The TLS lesson: the site speaks plain HTTP only, so a login crosses the network readable by anyone on the path.
// The learner sends one and reads it in a capture, then stops it (a challenge): TLS terminated at lb-01 on :443,
// plain HTTP redirected there with 301, and HSTS so that browsers stop asking over HTTP at all.
import { CA_PEM, SITE_PEM } from './build/certificates';
import { balancerRequests, plural } from './build/observe';
import { defineScenario, type World } from '../contracts/scenario';
import { balancer, CLIENT, haproxyCfg, HEALTH_CHECK, webServer } from './build/topology';

// Port 443 is not among lb-01's declared ports, although it answers there once haproxy.cfg has `bind :443 ssl crt
// site.pem`: the supervisor waits for every declared port at start (up to 15 s), and nothing listens on 443 yet.
const lb = balancer();
const [web1, web2] = [webServer(1), webServer(2)];

type Request = ReturnType<typeof balancerRequests>[number];
/** A form sent (a POST) from the learner's terminal: the login of the exercises. */
const login = (r: Request) => r.method === 'POST' && r.client.startsWith(`${CLIENT}:`);
/** Plain HTTP answered by the balancer itself with a permanent redirect to the same address over https. */
const redirected = (r: Request) => !r.tls && r.status === 301 && !!r.setHeaders?.location?.startsWith('https://');

/**
 * What a redirect does for a login sent to http://: measured at the first plain-HTTP login lb-01 answered with its
 * 301. The request, form body included, had crossed the network before the answer could send it elsewhere.
 */
export function loginBeforeRedirect({ events }: Pick<World, 'events'>) {
  const first = balancerRequests(events, lb.name).find((r) => login(r) && redirected(r));
  if (!first) return undefined;
  return {
    value: 'Yes',
    how: `lb-01 received your ${first.method} ${first.path} over plain HTTP, form and password included, and only then answered 301 to ${first.setHeaders!.location}`,
  };
}

export default defineScenario({
  name: 'tls',
  title: 'Readable on the wire',
  summary: `The site speaks plain HTTP only: anything a visitor sends to lb-01 crosses the network as text. lb-01 has a certificate for www.example.com (site.pem) it does not use yet.`,
  nodes: [web1, web2, lb],
  files: {
    'haproxy.cfg': haproxyCfg({
      balance: 'roundrobin',
      options: ['retries 3', 'option redispatch'],
      servers: [web1, web2].map((node) => ({ node, params: HEALTH_CHECK })),
    }),
    // For TLS termination: `bind :443 ssl crt site.pem` in fe_web; curl trusts ca.pem, the sandbox's CA store
    // (curl --resolve www.example.com:443:10.0.0.2 https://www.example.com/).
    'site.pem': SITE_PEM,
    'ca.pem': CA_PEM,
  },
  faults: [],
  goals: [
    {
      id: 'login-in-clear',
      title:
        "Send a login form to the site over plain HTTP while you capture lb-01's link, and find the password in the capture.",
      hints: [
        "`sniff` shows what crosses a node's link, as tcpdump does; `&` runs it in the background while you type the next command.",
        'Keep the capture to your own traffic (you are 203.0.113.10): `sniff -c 2 lb-01 host 203.0.113.10 &`. A form is sent with `curl -d`.',
        "Start the capture, then send `curl -d 'user=ada&password=s3cret' http://10.0.0.2/` and read the first packet.",
      ],
      solution: ['sniff -c 2 lb-01 host 203.0.113.10 &', "curl -d 'user=ada&password=s3cret' http://10.0.0.2/"],
      check({ events }) {
        const sent = balancerRequests(events, lb.name).filter((r) => login(r) && !r.tls);
        return {
          met: sent.length > 0,
          expected: 'a form sent from your terminal reaches lb-01 over plain HTTP',
          observed: sent.length
            ? `${plural(sent.length, 'form')} reached lb-01 in clear, the last: ${sent.at(-1)!.method} ${sent.at(-1)!.path}`
            : 'no form sent to lb-01 yet',
        };
      },
    },
    {
      id: 'https-only',
      title:
        'A login is readable on the wire: stop it, so that logins reach the site encrypted and browsers no longer use plain HTTP.',
      challenge: true,
      hints: [
        'Capture again and ask where the password is readable: on the hop from the internet to lb-01. The fix belongs at lb-01, which holds a certificate (site.pem) it does not use.',
        'Three things: TLS on port 443 with that certificate, a permanent redirect of plain HTTP to https, and a header that tells browsers to use HTTPS only (HSTS). `cat haproxy.cfg` first.',
        'In frontend fe_web, under `bind :80`: `bind :443 ssl crt site.pem`, `http-request redirect scheme https code 301 unless { ssl_fc }`, `http-response set-header Strict-Transport-Security "max-age=63072000"`. `reload`, then send the login to https://www.example.com/ (`--resolve www.example.com:443:10.0.0.2`).',
      ],
      solution: [
        'edit haproxy.cfg',
        '#   under "bind :80" in frontend fe_web add:',
        '#     bind :443 ssl crt site.pem',
        '#     http-request redirect scheme https code 301 unless { ssl_fc }',
        '#     http-response set-header Strict-Transport-Security "max-age=63072000"',
        'reload',
        "curl -i -d 'user=ada&password=s3cret' --resolve www.example.com:80:10.0.0.2 http://www.example.com/",
        "curl -i -d 'user=ada&password=s3cret' --resolve www.example.com:443:10.0.0.2 https://www.example.com/",
      ],
      check({ events }) {
        const requests = balancerRequests(events, lb.name);
        const redirects = requests.filter(redirected);
        // A login that reached a web server over TLS, with the HSTS header the balancer added to the answer.
        const secure = requests.filter((r) => login(r) && r.tls && r.server !== null);
        const withHsts = secure.filter((r) => /max-age=[1-9]/.test(r.setHeaders?.['strict-transport-security'] ?? ''));
        // Since the last login sent in clear and served, nothing of the kind: the hole is closed, not just bypassed.
        const lastClear = requests.findLast((r) => login(r) && !r.tls && r.server !== null);
        const closed = !lastClear || requests.some((r) => r.seq > lastClear.seq && redirected(r));
        return {
          met: redirects.length > 0 && withHsts.length > 0 && closed,
          expected:
            'plain HTTP answered by lb-01 with 301 to https://...; a login served over HTTPS with a Strict-Transport-Security header',
          observed: [
            `${plural(redirects.length, 'plain-HTTP request')} redirected to https with 301`,
            `${plural(secure.length, 'login')} served over HTTPS, ${withHsts.length} with Strict-Transport-Security`,
            closed ? '' : 'the last plain-HTTP login still reached a web server',
          ]
            .filter(Boolean)
            .join('; '),
        };
      },
    },
  ],
  predictions: [
    {
      id: 'login-before-redirect',
      question:
        'Once lb-01 redirects plain HTTP to HTTPS with a 301, you send the login form to http://www.example.com/. Does the password cross the network in clear?',
      kind: { type: 'choice', choices: ['Yes', 'No'] },
      goal: 'https-only',
      measure: loginBeforeRedirect,
    },
  ],
});
