// keepalived's process: the VRRP instances (instance.ts decides, this file does what it says: adverts, timers,
// gratuitous ARPs), the vrrp_script loops (track.ts) and the reload.
//
// Adverts travel as one short TCP connection each to port 112 of every peer (112 is VRRP's IP protocol number).
// One connection per advert, not a long-lived stream, so each advert is on its own like a datagram: a cut link or a
// firewall DROP loses the adverts sent meanwhile, and the crash of a master shows only as adverts that stop coming.
// Without `unicast_peer`, adverts go to every node listening on port 112: the multicast group 224.0.0.18.
import net from 'node:net';
import { createInterface } from 'node:readline';
import type { Reloaded } from '../shared/control-channel';
import { announceVip, connect, listen, listeners, myAddress, vipHolder } from '../network/net';
import type { ParsedConfig } from '../shared/parsed-config';
import { log, report } from '../shared/report';
import { readSessionFile } from '../shared/session-folder';
import { COMPANION, type Companion } from './companion';
import { parseConfig, type KeepalivedConfig } from './config';
import { VrrpInstance, type Action, type Advert } from './instance';
import { parseScript, ScriptState, type Check } from './track';

const VRRP_PORT = 112;
const GARP_REPEAT = 5; // vrrp_garp_master_repeat
const GARP_DELAY_MS = 5000; // vrrp_garp_master_delay: the second burst of gratuitous ARPs

const now = () => performance.now();

/** keepalived.conf read and parsed; a vrrp_script the sandbox cannot run is an error too. */
export function loadConfig(file: string): ParsedConfig<KeepalivedConfig> {
  let text: string;
  try {
    text = readSessionFile(file);
  } catch (error) {
    // keepalived's check_conf_file(): a file it cannot find, or one it finds but may not read.
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return { errors: [`${missing ? 'Unable to find' : 'Unable to read'} configuration file ${file}`], warnings: [] };
  }
  const parsed = parseConfig(text, file);
  try {
    if (parsed.config) scriptChecks(parsed.config);
    return parsed;
  } catch (error) {
    return { errors: [(error as Error).message], warnings: parsed.warnings };
  }
}

/** The check each vrrp_script stands for; throws for a script the sandbox cannot run. */
const scriptChecks = (config: KeepalivedConfig) =>
  new Map([...config.scripts.values()].map((s) => [s.name, parseScript(s.script, s.timeout * 1000)]));

/** Sends one advert to every peer; resolves when all have been handed over (or given up on after a second). */
function advertise(instance: VrrpInstance, priority: number): Promise<void> {
  const peers = instance.config.unicast_peer.length ? instance.config.unicast_peer : listeners(VRRP_PORT);
  const packet = {
    version: 2,
    type: 'ADVERTISEMENT',
    vrid: instance.config.virtual_router_id,
    priority,
    advert_int: instance.config.advert_int,
  };
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

export class Keepalived {
  private instances: VrrpInstance[];
  private checks: Map<string, Check>;
  private readonly timers = new Map<VrrpInstance, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly server = net.createServer((socket) => this.receive(socket));
  // The vrrp_script loops. A reload starts new ones (with the new intervals) and the old ones end at their next
  // turn; a script's state survives the reload when the script keeps its name, as in keepalived.
  private readonly scriptStates = new Map<string, ScriptState>();
  private scriptsGeneration = 0;

  constructor(
    private readonly file: string,
    private config: KeepalivedConfig,
    /** The balancer next to it (companion.ts), whose reload is part of the node's. */
    private readonly companion?: Companion,
  ) {
    this.instances = config.instances.map((c) => new VrrpInstance(c, myAddress()));
    this.checks = scriptChecks(config);
  }

  /** Listens for adverts, then starts the instances and the scripts. */
  async start(): Promise<void> {
    try {
      await listen(this.server, `:${VRRP_PORT}`);
    } catch (error) {
      throw new Error(`cannot listen for VRRP adverts on port ${VRRP_PORT}: ${(error as Error).message}`);
    }
    for (const instance of this.instances) this.apply(instance, instance.start(now()));
    this.runScripts();
  }

  /** The node's reload: keepalived's, then its HAProxy's; done only when both said so. */
  async reload(): Promise<Reloaded> {
    const errors = this.reloadKeepalived();
    if (!this.companion) return { files: [this.file], errors };
    const answer = await this.companion.ask('reload', 'control.reload');
    if (!answer) return { files: [this.file], errors: [...errors, `${COMPANION} did not confirm its reload`] };
    return { files: [this.file, ...answer.files], errors: [...errors, ...answer.errors] };
  }

  /** A clean stop (systemctl stop keepalived): the master sends priority 0 so the backup does not wait 3 adverts. */
  async stop(): Promise<void> {
    log('Stopping');
    for (const instance of this.instances) this.apply(instance, instance.stop());
    await Promise.all([
      this.companion?.stop(),
      Promise.race([Promise.all(this.inFlight), new Promise((r) => setTimeout(r, 1000))]),
    ]);
  }

  /** Does what an instance decided, then sets its next timer. */
  private apply(instance: VrrpInstance, actions: Action[]): void {
    const { name, virtual_router_id: vrid, virtual_ipaddress: vips } = instance.config;
    for (const action of actions) {
      if (action.kind === 'log') log(action.text, action.text.includes('Warning') ? 'warning' : 'info');
      else if (action.kind === 'advertise') {
        const sent = advertise(instance, action.priority);
        this.inFlight.add(sent);
        sent.then(() => this.inFlight.delete(sent));
      } else if (action.kind === 'claim') this.garp(instance);
      else if (action.kind === 'release') {
        // Give the address back only if it is still ours: the new master may already have announced it.
        for (const vip of vips) if (vipHolder(vip) === myAddress()) announceVip(vip, undefined);
      } else
        report({
          type: 'vrrp.state',
          instance: name,
          vrid,
          state: action.state,
          priority: action.priority,
          vips,
          ...(action.waited_ms === undefined ? {} : { waited_ms: action.waited_ms }),
        });
    }
    clearTimeout(this.timers.get(instance));
    const at = instance.nextTimer();
    if (at !== undefined)
      this.timers.set(
        instance,
        setTimeout(() => this.apply(instance, instance.tick(now())), Math.max(0, at - now())),
      );
  }

  /** Becoming MASTER: take the VIPs and announce them (gratuitous ARP), again GARP_DELAY_MS later as keepalived does. */
  private garp(instance: VrrpInstance): void {
    const { name, virtual_ipaddress: vips, interface: dev } = instance.config;
    const burst = () => {
      for (const vip of vips) {
        announceVip(vip, myAddress());
        for (let i = 0; i < GARP_REPEAT; i++) log(`Sending gratuitous ARP on ${dev} for ${vip}`);
      }
    };
    for (const vip of vips) log(`(${name}) Sending/queueing gratuitous ARPs on ${dev} for ${vip}`);
    burst();
    setTimeout(() => instance.state === 'MASTER' && burst(), GARP_DELAY_MS).unref();
  }

  private receive(socket: net.Socket): void {
    const from = socket.remoteAddress ?? '';
    socket.on('error', () => undefined);
    createInterface({ input: socket }).on('line', (line) => {
      let packet: Advert;
      try {
        packet = { ...JSON.parse(line), from };
      } catch {
        return; // not a VRRP packet: real VRRP drops malformed packets too
      }
      for (const instance of this.instances) {
        if (instance.config.virtual_router_id !== packet.vrid) continue;
        report({
          type: 'vrrp.advert',
          instance: instance.config.name,
          vrid: packet.vrid,
          from,
          priority: packet.priority,
        });
        this.apply(instance, instance.receive(packet, now()));
      }
    });
  }

  private runScripts(): void {
    const generation = ++this.scriptsGeneration;
    for (const script of this.config.scripts.values()) {
      const state = this.scriptStates.get(script.name) ?? new ScriptState(script.rise, script.fall);
      this.scriptStates.set(script.name, state);
      const run = async () => {
        if (generation !== this.scriptsGeneration) return;
        const status = await this.checks.get(script.name)!();
        if (generation !== this.scriptsGeneration) return;
        if (state.result(status === 0)) {
          log(
            state.ok
              ? `VRRP_Script(${script.name}) succeeded`
              : `VRRP_Script(${script.name}) failed (exited with status ${status})`,
          );
          for (const instance of this.instances) {
            const tracked = instance.config.track_script.find((t) => t.script.name === script.name);
            if (tracked) this.apply(instance, instance.track(script.name, tracked.weight, state.ok, now()));
          }
        }
        setTimeout(run, script.interval * 1000);
      };
      run();
    }
  }

  /** keepalived's reload, with its log lines (keepalived/vrrp/vrrp_daemon.c reload_vrrp_thread); returns its errors. */
  private reloadKeepalived(): string[] {
    const started = now();
    log('Reloading');
    log(`Opening file '${this.file}'.`);
    const { config: next, errors, warnings } = loadConfig(this.file);
    if (!next) {
      // (keepalived would carry on with what it could parse; the sandbox keeps the whole running configuration.)
      for (const error of errors) log(`${error} - the running configuration is kept`, 'error');
      return errors;
    }
    for (const warning of warnings) log(warning, 'warning');
    const kept = next.instances.map((c) => {
      const running = this.instances.find((i) => i.config.name === c.name);
      if (running) {
        this.apply(running, running.reconfigure(c));
        return running;
      }
      const added = new VrrpInstance(c, myAddress());
      this.apply(added, added.start(now()));
      return added;
    });
    for (const removed of this.instances.filter((i) => !kept.includes(i))) this.apply(removed, removed.stop());
    [this.instances, this.config, this.checks] = [kept, next, scriptChecks(next)];
    this.runScripts();
    log(`Reload finished in ${Math.round((now() - started) * 1000)} usec`);
    return [];
  }
}
