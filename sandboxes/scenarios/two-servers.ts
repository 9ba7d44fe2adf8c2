// The overview lesson: the whole stack in its simplest form, a balancer in front of two web servers. Its challenge
// asks the learner to take the site down anyway: what redundancy protects against, by what it does not.
import {
  appRequests,
  balancerRequests,
  countBy,
  describeCounts,
  exits,
  plural,
  servedWhileDown,
} from './build/observe';
import { defineScenario, type Measured, type World } from '../contracts/scenario';
import { balancer, haproxyCfg, HEALTH_CHECK, webServer } from './build/topology';

const lb = balancer();
const [web1, web2] = [webServer(1), webServer(2)];

/** The choices of the prediction asked before web-01 is killed. */
export const AFTER_THE_DEATH = [
  "web-02's page, all three",
  "An error first, then web-02's page",
  'An error each, until web-01 is back',
] as const;

/** What lb-01's first three answers after web-01's death were: all pages, all errors, or errors then pages. */
export function nextThreeAnswers({ events }: Pick<World, 'events'>): Measured | undefined {
  const death = exits(events, web1.name).at(-1);
  const next =
    death &&
    balancerRequests(events, lb.name)
      .filter((r) => r.seq > death.seq)
      .slice(0, 3);
  if (!next || next.length < 3) return undefined;
  const failed = next.filter((r) => r.status >= 500).length;
  const [pages, errorsThenPages, errors] = AFTER_THE_DEATH;
  return {
    value: failed === 0 ? pages : failed === next.length ? errors : errorsThenPages,
    how: `lb-01's first 3 answers after web-01 died: ${next.map((r) => `${r.status} from ${r.server ?? 'no server'}`).join(', ')}`,
  };
}

export default defineScenario({
  name: 'two-servers',
  title: 'Two web servers behind a load balancer',
  summary:
    'lb-01 (10.0.0.2) sends each request to web-01 or web-02 in turn and stops using a server that fails its health checks.',
  // Started in this order: the web servers listen before the balancer checks them.
  nodes: [web1, web2, lb],
  files: {
    'haproxy.cfg': haproxyCfg({
      balance: 'roundrobin',
      // A request that meets a dead server is retried on the other one at once (see the load balancer lesson).
      options: ['retries 3', 'option redispatch'],
      servers: [
        { node: web1, params: HEALTH_CHECK },
        { node: web2, params: HEALTH_CHECK },
      ],
    }),
  },
  faults: [],
  goals: [
    {
      id: 'both-answer',
      title: 'Send requests to the balancer and see web-01 and web-02 answer in turn.',
      hints: [
        'The balancer listens on 10.0.0.2, port 80. Ask it for the home page with curl.',
        'Each answer says which server made it (the X-Served-By header and the page itself). Send two requests.',
        'Run `curl http://10.0.0.2/` twice.',
      ],
      solution: ['curl http://10.0.0.2/', 'curl http://10.0.0.2/'],
      check({ events }) {
        const served = appRequests(events, lb.address);
        const inTurn = served.some((e, i) => i > 0 && e.node !== served[i - 1].node);
        return {
          met: inTurn,
          expected: 'two requests in a row through lb-01 answered by different servers',
          observed: `through lb-01: ${describeCounts(countBy(served, (e) => e.node))}`,
        };
      },
    },
    {
      id: 'survive-a-dead-server',
      title: 'Kill web-01 and see the site keep answering from web-02.',
      hints: [
        '`infra status` lists the nodes; `infra kill NAME` kills one, like `kill -9`.',
        'After the kill, send a few requests to the balancer and look at who answers.',
        'Run `infra kill web-01`, then `curl http://10.0.0.2/` three times.',
      ],
      solution: ['infra kill web-01', 'curl http://10.0.0.2/', 'curl http://10.0.0.2/', 'curl http://10.0.0.2/'],
      check({ events }) {
        // Any stretch of time web-01 was down counts, so the goal stays met after web-01 is started again.
        const best = servedWhileDown(events, web1.name, web2.name, lb.address);
        const everDown = exits(events, web1.name).length > 0;
        return {
          met: best >= 3,
          expected: 'while web-01 is down, 3 requests through lb-01 answered by web-02',
          observed: everDown
            ? `while web-01 was down, web-02 answered ${plural(best, 'request')}`
            : 'web-01 has not gone down yet',
        };
      },
    },
    {
      id: 'take-the-site-down',
      challenge: true,
      title:
        'The site has two web servers. Make it fail anyway: get 503 Service Unavailable from lb-01, without touching lb-01.',
      hints: [
        'What does lb-01 need in order to answer a request with a page? The topology shows what it sends requests to.',
        'A balancer answers 503 itself when it has no server left that can take the request. One dead server was not enough.',
        'Run `infra kill web-01` and `infra kill web-02`, then `curl http://10.0.0.2/`.',
      ],
      solution: ['infra kill web-01', 'infra kill web-02', 'curl http://10.0.0.2/'],
      check({ events }) {
        const failed = balancerRequests(events, lb.name).filter((r) => r.status === 503);
        return {
          met: failed.length > 0,
          expected: 'a request to lb-01 answered 503 Service Unavailable',
          observed: failed.length
            ? `lb-01 answered ${plural(failed.length, 'request')} with 503`
            : 'lb-01 has not answered 503 yet',
        };
      },
    },
  ],
  predictions: [
    {
      id: 'after-the-death',
      question: 'You kill web-01 and at once ask lb-01 for the page three times. What do you get?',
      kind: { type: 'choice', choices: [...AFTER_THE_DEATH] },
      goal: 'survive-a-dead-server',
      measure: nextThreeAnswers,
    },
  ],
});
