import { pathToFileURL } from 'node:url';
const { cases } = await import(pathToFileURL('/tmp/cases.mjs').href);
const c = cases[Number(process.argv[2])];
const t = performance.now(); const v = c.check(); console.log(c.shape, (performance.now() - t).toFixed(1), 'ms', v.slice(0, 80));
