// Why a second server: the site on one machine, and what happens to it when that machine goes away.
import { appRequests, downtimes, plural } from './build/observe';
import { defineScenario } from '../contracts/scenario';
import { CLIENT, webServer } from './build/topology';

const web1 = webServer(1);

export default defineScenario({
  name: 'one-server',
  title: 'One web server, alone',
  summary:
    'The whole site runs on web-01 (10.0.0.11). Every visitor talks to it directly: when it stops, the site stops.',
  nodes: [web1],
  files: {},
  faults: [],
  goals: [
    {
      id: 'visit',
      title: 'Visit the site: ask web-01 for its home page.',
      hints: ['The server is at 10.0.0.11 and serves HTTP on port 80.', 'Run `curl http://10.0.0.11/`.'],
      solution: ['curl http://10.0.0.11/'],
      check({ events }) {
        const visits = appRequests(events, CLIENT).filter((e) => e.status === 200);
        return {
          met: visits.length > 0,
          expected: 'a page served by web-01 to your terminal (203.0.113.10)',
          observed: `web-01 served you ${plural(visits.length, 'page')}`,
        };
      },
    },
    {
      id: 'outage',
      title: 'Kill web-01, see the site go away, then start it again and visit it once more.',
      hints: [
        '`infra kill web-01` stops the server the hard way, like a crash of its process: clients get "connection refused" at once (a power cut would leave them waiting for a timeout).',
        'While it is down, `curl http://10.0.0.11/` fails: nothing listens any more.',
        'Bring it back with `infra start web-01`, then visit the site again.',
      ],
      solution: ['infra kill web-01', 'curl http://10.0.0.11/', 'infra start web-01', 'curl http://10.0.0.11/'],
      check({ events }) {
        // An outage that ended: web-01 went down, came back, and served a visitor after that.
        const outage = downtimes(events, web1.name).findLast((d) => d.to !== undefined);
        const after = outage
          ? appRequests(
              events.filter((e) => e.time >= outage.to!),
              CLIENT,
            ).filter((e) => e.status === 200)
          : [];
        return {
          met: after.length > 0,
          expected: 'web-01 down, started again, then a page served to you',
          observed: outage
            ? `the site was down for ${((outage.to! - outage.from) / 1000).toFixed(1)} s; since then web-01 served you ${plural(after.length, 'page')}`
            : 'web-01 has not been down and back yet',
        };
      },
    },
  ],
});
