// Failover figures of the keepalived-like pair (sandboxes/dist/vrrp.js): for a crash (SIGKILL) and a clean stop
// (SIGTERM, priority-0 advert) of the MASTER, how long the BACKUP went without adverts before taking over, by its
// own clock (waited_ms) and as seen from outside, next to RFC 3768's formula. Run: npm run bench:vrrp [rounds]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eachEventLine } from '../sandboxes/shared/event-lines.ts';

const dist = join(fileURLToPath(new URL('..', import.meta.url)), 'sandboxes', 'dist');
const rounds = Number(process.argv[2] ?? 3);
const conf = (state, priority) => `vrrp_instance VI_1 {
    state ${state}
    interface eth0
    virtual_router_id 51
    priority ${priority}
    advert_int 1
    virtual_ipaddress {
        10.0.0.10/24
    }
}
`;

function node(folder, name, address, text) {
  writeFileSync(join(folder, `${name}.conf`), text);
  const child = spawn(process.execPath, [join(dist, 'vrrp.js'), '-f', `${name}.conf`], {
    cwd: folder,
    env: { ...process.env, SANDBOX_NET: join(folder, 'net'), SANDBOX_ADDR: address, SANDBOX_EVENTS: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiters = [];
  eachEventLine(child.stdout, (event) => {
    const at = performance.now();
    for (const w of [...waiters]) if (w.match(event)) (waiters.splice(waiters.indexOf(w), 1), w.resolve({ event, at }));
  });
  return { child, next: (match) => new Promise((resolve) => waiters.push({ match, resolve })) };
}

const master = (e) => e.type === 'vrrp.state' && e.state === 'MASTER';
const advert = (e) => e.type === 'vrrp.advert';
const skew = ((256 - 100) / 256) * 1000;
const formula = { SIGKILL: 3000 + skew, SIGTERM: skew };

for (const signal of ['SIGKILL', 'SIGTERM']) {
  const figures = [];
  for (let i = 0; i < rounds; i++) {
    const folder = mkdtempSync(join(tmpdir(), 'bench-vrrp-'));
    const lb1 = node(folder, 'lb-01', '10.0.0.2', conf('MASTER', 255));
    await lb1.next(master);
    const lb2 = node(folder, 'lb-02', '10.0.0.3', conf('BACKUP', 100));
    await lb2.next(advert);
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 700)); // a random point between two adverts
    const stoppedAt = performance.now();
    const takeover = lb2.next(master);
    lb1.child.kill(signal);
    const { event, at } = await takeover;
    figures.push({ waited: event.waited_ms, seen: at - stoppedAt });
    lb2.child.kill('SIGKILL');
    rmSync(folder, { recursive: true, force: true });
  }
  const avg = (k) => (figures.reduce((s, f) => s + f[k], 0) / figures.length).toFixed(0);
  console.log(
    `${signal === 'SIGKILL' ? 'crash (SIGKILL)     ' : 'clean stop (SIGTERM)'}  formula ${formula[signal].toFixed(0)} ms after the last advert | ` +
      `backup waited ${figures.map((f) => f.waited).join(', ')} ms (mean ${avg('waited')}) | ` +
      `VIP moved ${figures.map((f) => f.seen.toFixed(0)).join(', ')} ms after the signal (mean ${avg('seen')})`,
  );
}
