// Which Node.js the probe runs on, and its memory: facts for the report, not checks that can fail.
import type { Check } from './runner';
import { info } from './runner';

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

function memory(id: string, when: string): Check {
  return {
    id,
    title: `Memory of the probe process ${when}`,
    needed: false,
    async run() {
      const { rss, heapUsed, heapTotal } = process.memoryUsage();
      return info(
        `rss ${mb(rss)}, heap ${mb(heapUsed)} used of ${mb(heapTotal)}`,
        `rss ${mb(rss)}, heap ${mb(heapUsed)}`,
      );
    },
  };
}

export const runtimeFacts: Check[] = [
  {
    id: 'node-version',
    title: 'process.version',
    needed: false,
    run: async () => info(`Node.js ${process.version} on ${process.platform}/${process.arch}`, process.version),
  },
  {
    id: 'webcontainer',
    title: 'process.versions.webcontainer',
    needed: false,
    run: async () => {
      const version = process.versions.webcontainer;
      return version
        ? info(`running in a WebContainer, version ${version}`, version)
        : info('not set: this is not a WebContainer', 'not set');
    },
  },
  {
    id: 'exec-path',
    title: 'process.execPath (what the supervisor starts its nodes with)',
    needed: false,
    run: async () => info(`the probe was started as '${process.argv0}'`, process.execPath),
  },
  memory('memory-start', 'before the checks'),
];

export const memoryAfter = memory('memory-end', 'after the checks');
