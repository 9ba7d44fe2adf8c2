// The keepalived.conf parser and the VRRP state machine, without processes: timing formula, preemption, weights.
import { describe, expect, it } from 'vitest';
import { parseConfig, type InstanceConfig } from '../../../sandboxes/vrrp/config';
import { VrrpInstance, type Action } from '../../../sandboxes/vrrp/instance';

const conf = `
global_defs {
    router_id LB1
}
vrrp_script chk_haproxy {
    script "/usr/bin/killall -0 haproxy"   # is the balancer alive?
    interval 2
    weight -20
    fall 2
    rise 2
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 101
    advert_int 1
    virtual_ipaddress {
        10.0.0.10/24 dev eth0
    }
    track_script {
        chk_haproxy
    }
}
`;

const logs = (actions: Action[]) => actions.flatMap((a) => (a.kind === 'log' ? [a.text] : []));
/** The configuration of a file that must parse. */
const valid = (text: string) => parseConfig(text).config!;
/** Why a file is refused (keepalived stops at the first error). */
const refusal = (text: string) => parseConfig(text).errors.join('\n');
const instanceWith = (changes: Partial<InstanceConfig>) =>
  new VrrpInstance({ ...valid(conf).instances[0], ...changes }, '10.0.0.3');

describe('keepalived.conf', () => {
  it('reads instances, scripts and keepalived defaults', () => {
    const config = valid(conf);
    expect(config.router_id).toBe('LB1');
    expect(config.instances[0]).toMatchObject({
      name: 'VI_1',
      state: 'MASTER',
      virtual_router_id: 51,
      priority: 101,
      virtual_ipaddress: ['10.0.0.10'],
    });
    expect(config.instances[0].track_script[0]).toMatchObject({
      weight: -20,
      script: { interval: 2, timeout: 2, fall: 2, rise: 2 },
    });
    const minimal = valid(
      'vrrp_instance VI_9 {\n interface eth0\n virtual_router_id 9\n virtual_ipaddress {\n 10.0.0.10\n }\n}',
    );
    expect(minimal.instances[0]).toMatchObject({
      state: 'BACKUP',
      priority: 100,
      advert_int: 1,
      nopreempt: false,
      preempt_delay: 0,
    });
  });

  it("clears nopreempt on an initial MASTER with keepalived's warning", () => {
    const { config, warnings } = parseConfig(conf.replace('advert_int 1', 'advert_int 1\n    nopreempt'));
    expect(config!.instances[0].nopreempt).toBe(false);
    expect(warnings).toContain('(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing');
  });

  it('rejects what keepalived would, naming the file and line', () => {
    expect(refusal(conf.replace('priority 101', 'priority 300'))).toMatch(
      'keepalived.conf:16: priority needs a number from 1 to 255, got "300"',
    );
    expect(refusal(conf.replace('chk_haproxy\n    }', 'chk_nginx\n    }'))).toMatch(
      'track_script "chk_nginx" is not defined',
    );
    expect(refusal(conf.replace('    virtual_router_id 51\n', ''))).toMatch('needs "virtual_router_id"');
    expect(refusal(conf.slice(0, -3))).toMatch('unexpected end of file');
    expect(parseConfig(conf.replace('advert_int 1', 'advert_int 1\n    smtp_alert')).warnings[0]).toMatch(
      /:18: Unknown keyword 'smtp_alert'/,
    );
  });
});

describe('keepalived.conf as people save it', () => {
  it('reads a file with CRLF line ends, comments included, as the same file with LF', () => {
    const commented = conf.replace('advert_int 1', 'advert_int 1   # seconds between adverts ! as keepalived');
    expect(parseConfig(commented.replaceAll('\n', '\r\n'))).toEqual(parseConfig(commented));
  });

  it('refuses blocks nested deeper than keepalived has, with the line, instead of running out of stack', () => {
    expect(refusal(`${conf}\nglobal_defs {\n${'a { '.repeat(100_000)}\n`)).toMatch(
      /^keepalived.conf:\d+: blocks nested more than 8 deep: a "}" is missing above$/,
    );
  });
});

describe('the VRRP state machine', () => {
  it('waits Master_Down_Interval = 3 x advert_int + (256 - priority)/256 s before becoming MASTER', () => {
    const backup = instanceWith({ state: 'BACKUP', priority: 100 });
    expect(logs(backup.start(0))).toEqual(['(VI_1) Entering BACKUP STATE (init)']);
    expect(backup.nextTimer()).toBeCloseTo(3609.375);
    expect(backup.tick(3609)).toEqual([]);
    expect(logs(backup.tick(3609.4))).toEqual([
      '(VI_1) Receive advertisement timeout',
      '(VI_1) Entering MASTER STATE',
      '(VI_1) setting VIPs.',
    ]);
    expect(instanceWith({ priority: 254 }).masterDownInterval()).toBeCloseTo(3007.8125);
  });

  it('restarts the timer on each advert from a stronger master and takes over after Skew_Time on priority 0', () => {
    const backup = instanceWith({ state: 'BACKUP', priority: 100 });
    backup.start(0);
    backup.receive({ vrid: 51, priority: 101, advert_int: 1, from: '10.0.0.2' }, 3000);
    expect(backup.nextTimer()).toBeCloseTo(6609.375);
    expect(logs(backup.receive({ vrid: 51, priority: 0, advert_int: 1, from: '10.0.0.2' }, 4000))).toEqual([
      '(VI_1) Backup received priority 0 advertisement',
    ]);
    expect(backup.nextTimer()).toBeCloseTo(4609.375);
    expect(backup.receive({ vrid: 99, priority: 0, advert_int: 1, from: '10.0.0.2' }, 4000)).toEqual([]); // another router
  });

  it('preempts a weaker master unless nopreempt, and preempt_delay postpones it', () => {
    const preempting = instanceWith({ state: 'BACKUP', priority: 150 });
    preempting.start(0);
    expect(logs(preempting.receive({ vrid: 51, priority: 100, advert_int: 1, from: '10.0.0.2' }, 1000))).toEqual([
      '(VI_1) received lower priority (100) advert from 10.0.0.2 - discarding',
    ]);
    const patient = instanceWith({ state: 'BACKUP', priority: 150, nopreempt: true });
    patient.start(0);
    patient.receive({ vrid: 51, priority: 100, advert_int: 1, from: '10.0.0.2' }, 1000);
    expect(patient.nextTimer()).toBeCloseTo(1000 + patient.masterDownInterval());
    // keepalived.conf(5): priority 128, advert_int 1: "would normally wait 3.5 seconds before taking over as
    // master. If preempt_delay 2 is specified ... approximately 5.5 seconds".
    const takeoverTime = (preempt_delay: number) => {
      const backup = instanceWith({ state: 'BACKUP', priority: 128, preempt_delay });
      backup.start(0);
      for (let t = 0; t <= 10_000; t += 50) {
        if (t > 0 && t % 1000 === 0) backup.receive({ vrid: 51, priority: 100, advert_int: 1, from: '10.0.0.2' }, t);
        backup.tick(t);
        if (backup.state === 'MASTER') return t;
      }
    };
    expect(takeoverTime(0)).toBe(3500);
    expect(takeoverTime(2)).toBe(5500);
  });

  it('a master yields to higher priority, or equal priority from a higher address, and re-asserts over a weaker one', () => {
    const master = instanceWith({ priority: 255 });
    master.start(0);
    expect(master.state).toBe('MASTER');
    expect(logs(master.receive({ vrid: 51, priority: 100, advert_int: 1, from: '10.0.0.2' }, 10))).toEqual([
      '(VI_1) Received advert from 10.0.0.2 with lower priority 100, ours 255, forcing new election',
    ]);
    const tied = instanceWith({ priority: 100 });
    tied.start(0);
    tied.tick(4000);
    expect(logs(tied.receive({ vrid: 51, priority: 100, advert_int: 1, from: '10.0.0.4' }, 4100))).toEqual([
      '(VI_1) Master received advert from 10.0.0.4 with same priority 100 but higher IP address than ours',
      '(VI_1) Entering BACKUP STATE',
      '(VI_1) removing VIPs.',
    ]);
  });

  it('a failing tracked script lowers the effective priority by its weight; weight 0 means FAULT', () => {
    const master = instanceWith({ priority: 101 });
    master.start(0);
    expect(logs(master.track('chk_haproxy', -20, false, 100))).toEqual([
      '(VI_1) Changing effective priority from 101 to 81',
    ]);
    expect(logs(master.track('chk_haproxy', -20, true, 200))).toEqual([
      '(VI_1) Changing effective priority from 81 to 101',
    ]);
    expect(logs(master.track('chk_haproxy', 0, false, 300))).toEqual(['(VI_1) Entering FAULT STATE']);
    expect(master.nextTimer()).toBeUndefined();
  });

  it('a reload keeps the state and takes the new priority, the tracked weights still counting', () => {
    const master = instanceWith({ priority: 101 });
    master.start(0);
    master.tick(4000);
    master.track('chk_haproxy', -20, false, 4100); // 81 while its check fails
    const reloaded = master.reconfigure({ ...master.config, priority: 120 });
    expect(reloaded).toEqual([{ kind: 'state', state: 'MASTER', priority: 100 }]);
    expect(master.tick(5000)).toEqual([{ kind: 'advertise', priority: 100 }]);
    // The same settings again: nothing to say. A script no longer tracked no longer weighs.
    expect(master.reconfigure({ ...master.config })).toEqual([]);
    expect(master.reconfigure({ ...master.config, track_script: [] })).toEqual([
      { kind: 'state', state: 'MASTER', priority: 120 },
    ]);
    // A backup made stronger than its master discards the master's adverts from then on, and so preempts it.
    const backup = instanceWith({ state: 'BACKUP', priority: 100 });
    backup.start(0);
    backup.reconfigure({ ...backup.config, priority: 150 });
    expect(logs(backup.receive({ vrid: 51, priority: 101, advert_int: 1, from: '10.0.0.2' }, 1000))).toEqual([
      '(VI_1) received lower priority (101) advert from 10.0.0.2 - discarding',
    ]);
  });

  it('a clean stop of a master sends priority 0 and gives up the VIPs', () => {
    const master = instanceWith({ priority: 255 });
    master.start(0);
    expect(master.stop()).toEqual(
      expect.arrayContaining([
        { kind: 'advertise', priority: 0 },
        { kind: 'log', text: '(VI_1) sent 0 priority' },
        { kind: 'release' },
      ]),
    );
  });
});
