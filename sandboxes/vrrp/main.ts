// keepalived-like VRRP for the sandbox: `node vrrp.js -f keepalived.conf` (`-t` only checks the config), optionally
// with the service it protects on the same node: `node vrrp.js -f keepalived.conf -- balancer -f haproxy.cfg`.
//
// Adverts travel as one short TCP connection each to port 112 of every peer (112 is VRRP's IP protocol number).
// One connection per advert, not a long-lived stream, so each advert is on its own like a datagram: a cut link or a
// firewall DROP loses the adverts sent meanwhile, and the crash of a master shows only as adverts that stop coming.
// Without `unicast_peer`, adverts go to every node listening on port 112: the multicast group 224.0.0.18.
//
// A `reload` line on stdin (../shared/control-channel.ts) re-reads keepalived.conf as SIGHUP does to keepalived
// (`systemctl reload keepalived`): instances keep their state and take their new settings, new ones start, removed
// ones stop. It is the node's reload: HAProxy next to it re-reads haproxy.cfg too, and the node confirms once both did.
import net from 'node:net';
import { createInterface } from 'node:readline';
import { announceVip, connect, listen, listeners, myAddress, vipHolder } from '../network/net';
import { openControlChannel, type Reloaded } from '../shared/control-channel';
import { readSessionFile } from '../shared/session-folder';
import { log, report } from '../shared/report';
import { ConfigError, parseConfig, type KeepalivedConfig } from './config';
import { VrrpInstance, type Action, type Advert } from './instance';
import { parseScript, ScriptState } from './track';
import { Companion, COMPANION as COMPANION_NAME, refusal } from './companion';

const VRRP_PORT = 112;
const GARP_REPEAT = 5; // vrrp_garp_master_repeat
const GARP_DELAY_MS = 5000; // vrrp_garp_master_delay: the second burst of gratuitous ARPs

function configFile(argv: string[]): string {
  const flag = argv.indexOf('-f');
  const file = flag >= 0 ? argv[flag + 1] : 'keepalived.conf';
  if (!file) throw new ConfigError('usage: vrrp -f keepalived.conf [-t]  (-f needs a file name)');
  return file;
}

function readConfig(file: string): KeepalivedConfig {
  let text: string;
  try {
    text = readSessionFile(file);
  } catch (error) {
    // keepalived's check_conf_file(): a file it cannot find, or one it finds but may not read.
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ConfigError(`${missing ? 'Unable to find' : 'Unable to read'} configuration file ${file}`);
  }
  return parseConfig(text, file);
}

/** The check each vrrp_script stands for; throws for a script the sandbox cannot run. */
const scriptChecks = (config: KeepalivedConfig) => new Map([...config.scripts.values()].map((s) => [s.name, parseScript(s.script, s.timeout * 1000)]));

/** Sends one advert to every peer; resolves when all have been handed over (or given up on after a second). */
function advertise(instance: VrrpInstance, priority: number): Promise<void> {
  const peers = instance.config.unicast_peer.length ? instance.config.unicast_peer : listeners(VRRP_PORT);
  const packet = { version: 2, type: 'ADVERTISEMENT', vrid: instance.config.virtual_router_id, priority, advert_int: instance.config.advert_int };
  const sends = peers
    .filter((peer) => peer !== myAddress())
    .map(
      (peer) =>
        new Promise<void>((resolve) => {
          const socket = connect(`${peer}:${VRRP_PORT}`);
          const timer = setTimeout(() => socket.destroy(), 1000);
          socket.on('error', () => undefined); // a lost datagram: nobody is told
          socket.on('close', () => (clearTimeout(timer), resolve()));
          socket.end(JSON.stringify(packet) + '\n');
        }),
    );
  return Promise.all(sends).then(() => undefined);
}

function main(): void {
  const dashes = process.argv.indexOf('--');
  const ownArgs = process.argv.slice(2, dashes < 0 ? undefined : dashes);
  const [companionProgram, ...companionArgs] = dashes < 0 ? [] : process.argv.slice(dashes + 1);
  const testOnly = ownArgs.includes('-t') || ownArgs.includes('--config-test');
  const refused = companionProgram === undefined ? undefined : refusal(companionProgram);
  if (refused) {
    process.stderr.write(`${refused}\n`);
    process.exit(1);
  }
  let file: string;
  let config: KeepalivedConfig;
  let checks: ReturnType<typeof scriptChecks>;
  try {
    file = configFile(ownArgs);
    config = readConfig(file);
    checks = scriptChecks(config);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  for (const warning of config.warnings) log(warning, 'warning');
  if (testOnly) {
    process.stdout.write('Configuration is OK\n');
    return;
  }

  const companion = companionProgram ? new Companion(companionProgram, companionArgs) : undefined;
  let instances = config.instances.map((c) => new VrrpInstance(c, myAddress()));
  const timers = new Map<VrrpInstance, NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();

  const apply = (instance: VrrpInstance, actions: Action[]) => {
    const { name, virtual_router_id: vrid, virtual_ipaddress: vips, interface: dev } = instance.config;
    for (const action of actions) {
      if (action.kind === 'log') log(action.text, action.text.includes('Warning') ? 'warning' : 'info');
      else if (action.kind === 'advertise') {
        const sent = advertise(instance, action.priority);
        inFlight.add(sent);
        sent.then(() => inFlight.delete(sent));
      } else if (action.kind === 'claim') garp(instance, vips, dev, name);
      else if (action.kind === 'release') {
        // Give the address back only if it is still ours: the new master may already have announced it.
        for (const vip of vips) if (vipHolder(vip) === myAddress()) announceVip(vip, undefined);
      } else report({ type: 'vrrp.state', instance: name, vrid, state: action.state, priority: action.priority, vips, ...(action.waited_ms === undefined ? {} : { waited_ms: action.waited_ms }) });
    }
    clearTimeout(timers.get(instance));
    const at = instance.nextTimer();
    if (at !== undefined) timers.set(instance, setTimeout(() => apply(instance, instance.tick(now())), Math.max(0, at - now())));
  };

  /** Becoming MASTER: take the VIPs and announce them (gratuitous ARP), again GARP_DELAY_MS later as keepalived does. */
  const garp = (instance: VrrpInstance, vips: string[], dev: string, name: string) => {
    const burst = () => {
      for (const vip of vips) {
        announceVip(vip, myAddress());
        for (let i = 0; i < GARP_REPEAT; i++) log(`Sending gratuitous ARP on ${dev} for ${vip}`);
      }
    };
    for (const vip of vips) log(`(${name}) Sending/queueing gratuitous ARPs on ${dev} for ${vip}`);
    burst();
    setTimeout(() => instance.state === 'MASTER' && burst(), GARP_DELAY_MS).unref();
  };

  const server = net.createServer((socket) => {
    const from = socket.remoteAddress ?? '';
    socket.on('error', () => undefined);
    createInterface({ input: socket }).on('line', (line) => {
      let packet: Advert;
      try {
        packet = { ...JSON.parse(line), from };
      } catch {
        return; // not a VRRP packet: real VRRP drops malformed packets too
      }
      for (const instance of instances) {
        if (instance.config.virtual_router_id !== packet.vrid) continue;
        report({ type: 'vrrp.advert', instance: instance.config.name, vrid: packet.vrid, from, priority: packet.priority });
        apply(instance, instance.receive(packet, now()));
      }
    });
  });

  // The vrrp_script loops. A reload starts new ones (with the new intervals) and the old ones end at their next
  // turn; a script's state survives the reload when the script keeps its name, as in keepalived.
  const scriptStates = new Map<string, ScriptState>();
  let scriptsGeneration = 0;
  const runScripts = () => {
    const generation = ++scriptsGeneration;
    for (const script of config.scripts.values()) {
      const state = scriptStates.get(script.name) ?? new ScriptState(script.rise, script.fall);
      scriptStates.set(script.name, state);
      const run = async () => {
        if (generation !== scriptsGeneration) return;
        const status = await checks.get(script.name)!();
        if (generation !== scriptsGeneration) return;
        if (state.result(status === 0)) {
          log(state.ok ? `VRRP_Script(${script.name}) succeeded` : `VRRP_Script(${script.name}) failed (exited with status ${status})`);
          for (const instance of instances) {
            const tracked = instance.config.track_script.find((t) => t.script.name === script.name);
            if (tracked) apply(instance, instance.track(script.name, tracked.weight, state.ok, now()));
          }
        }
        setTimeout(run, script.interval * 1000);
      };
      run();
    }
  };

  /** keepalived's reload, with its log lines (keepalived/vrrp/vrrp_daemon.c reload_vrrp_thread); returns its errors. */
  const reloadKeepalived = (): string[] => {
    const started = now();
    log('Reloading');
    log(`Opening file '${file}'.`);
    let next: KeepalivedConfig;
    let nextChecks: typeof checks;
    try {
      next = readConfig(file);
      nextChecks = scriptChecks(next);
    } catch (error) {
      // (keepalived would carry on with what it could parse; the sandbox keeps the whole running configuration.)
      log(`${(error as Error).message} - the running configuration is kept`, 'error');
      return [(error as Error).message];
    }
    for (const warning of next.warnings) log(warning, 'warning');
    const kept = next.instances.map((c) => {
      const running = instances.find((i) => i.config.name === c.name);
      if (running) {
        apply(running, running.reconfigure(c));
        return running;
      }
      const added = new VrrpInstance(c, myAddress());
      apply(added, added.start(now()));
      return added;
    });
    for (const removed of instances.filter((i) => !kept.includes(i))) apply(removed, removed.stop());
    [instances, config, checks] = [kept, next, nextChecks];
    runScripts();
    log(`Reload finished in ${Math.round((now() - started) * 1000)} usec`);
    return [];
  };

  /** The node's reload: keepalived's, then its HAProxy's; done only when both said so. */
  const reload = async (): Promise<Reloaded> => {
    const errors = reloadKeepalived();
    if (!companion) return { files: [file], errors };
    const answer = await companion.ask('reload', 'control.reload');
    if (!answer) return { files: [file], errors: [...errors, `${COMPANION_NAME} did not confirm its reload`] };
    return { files: [file, ...answer.files], errors: [...errors, ...answer.errors] };
  };

  listen(server, `:${VRRP_PORT}`).then(
    async () => {
      for (const instance of instances) apply(instance, instance.start(now()));
      runScripts();
      // The node takes commands once both programs do (a balancer that could not start leaves keepalived alone).
      await companion?.ready;
      openControlChannel({
        reload,
        stop,
        freeze: async () => void (await companion?.ask('freeze', 'control.frozen')),
        resume: async () => void (await companion?.ask('resume', 'control.resumed')),
        // Other lines are for the service (the balancer's runtime API commands).
        command: (line) => companion?.tell(line),
      });
    },
    (error: Error) => {
      process.stderr.write(`cannot listen for VRRP adverts on port ${VRRP_PORT}: ${error.message}\n`);
      process.exit(1);
    },
  );

  // A clean stop (systemctl stop keepalived): the master sends priority 0 so the backup does not wait 3 adverts.
  const stop = async () => {
    log('Stopping');
    for (const instance of instances) apply(instance, instance.stop());
    await Promise.all([companion?.stop(), Promise.race([Promise.all(inFlight), new Promise((r) => setTimeout(r, 1000))])]);
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const now = () => performance.now();

main();
