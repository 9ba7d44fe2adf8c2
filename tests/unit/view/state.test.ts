import { describe, expect, it } from 'vitest';
import { initialState, reduce, reduceAll, RECENT_REQUESTS } from '../../../src/sandbox/view/state';
import { currentPrimary, links } from '../../../src/sandbox/view/topology-links';
import { request, stream, twoServers, webRequest } from './stream';

const started = (name: string, address: string) => ({ type: 'node.started', name, pid: 100, address }) as const;

describe('the view state reducer', () => {
  it('draws every node of the scenario as starting, then running once its process started', () => {
    const state = reduceAll(stream([0, 'supervisor', twoServers], [5, 'supervisor', started('web-01', '10.0.0.11')]));
    expect(state.scenario?.name).toBe('two-servers');
    expect(state.nodes.map((n) => [n.name, n.role, n.address, n.process])).toEqual([
      ['lb-01', 'balancer', '10.0.0.2', 'starting'],
      ['web-01', 'web', '10.0.0.11', 'running'],
      ['web-02', 'web', '10.0.0.12', 'starting'],
    ]);
  });

  it('follows a node through kill, start, freeze and resume', () => {
    const events = stream(
      [0, 'supervisor', twoServers],
      [1, 'supervisor', started('web-01', '10.0.0.11')],
      [
        2,
        'supervisor',
        { type: 'node.exited', name: 'web-01', code: null, signal: 'SIGKILL', cause: 'killed', state: 'stopped' },
      ],
      [3, 'supervisor', started('web-01', '10.0.0.11')],
      [4, 'supervisor', { type: 'node.frozen', name: 'web-01' }],
    );
    const states = events.map((_, i) => reduceAll(events.slice(0, i + 1)).nodes[1].process);
    expect(states).toEqual(['starting', 'running', 'stopped', 'running', 'frozen']);
    const resumed = reduce(reduceAll(events), {
      type: 'node.resumed',
      name: 'web-01',
      seq: 6,
      time: 5,
      node: 'supervisor',
    });
    expect(resumed.nodes[1].process).toBe('running');
  });

  it("shows the balancer's check state for each server, in the stats page's words", () => {
    const server = (status: string) =>
      ({
        type: 'balancer.server',
        backend: 'be_app',
        server: 'web-01',
        status,
        usable: status !== 'DOWN',
        weight: 1,
      }) as const;
    const events = stream([0, 'supervisor', twoServers], [1, 'lb-01', server('UP 1/3')]);
    expect(reduceAll(events).nodes[1].check).toBe('UP 1/3');
    const down = reduce(reduceAll(events), { ...server('DOWN'), seq: 3, time: 2, node: 'lb-01' });
    expect(down.nodes[1].check).toBe('DOWN');
    expect(down.nodes[2].check).toBeUndefined();
  });

  it("counts a client's requests once: the balancer's report, not the server's nor health checks", () => {
    const events = stream(
      [0, 'supervisor', twoServers],
      [10, 'lb-01', request(200, 4, 'web-02')],
      [11, 'web-02', webRequest(200, '10.0.0.2')],
      [12, 'lb-01', request(503, 0, null)],
      [13, 'web-01', webRequest(200, '203.0.113.10')],
    );
    const state = reduceAll(events);
    expect(state.requests.map((r) => [r.via, r.server, r.status, r.outcome])).toEqual([
      ['lb-01', 'web-02', 200, 'ok'],
      ['lb-01', undefined, 503, 'error'],
      [undefined, 'web-01', 200, 'ok'],
    ]);
    expect(state.traffic.buckets[0]).toMatchObject({ total: 3, errors: 1, perServer: { 'web-01': 1, 'web-02': 1 } });
  });

  it('records requests with their server and outcome, keeping only the latest ones', () => {
    const many = Array.from(
      { length: RECENT_REQUESTS + 5 },
      (_, i) => [10 + i, 'lb-01', request(i === 3 ? 500 : 200, 2, i % 2 ? 'web-02' : 'web-01')] as const,
    );
    const state = reduceAll(stream([0, 'supervisor', twoServers], ...(many as never as Parameters<typeof stream>)));
    expect(state.requests).toHaveLength(RECENT_REQUESTS);
    expect(state.requests.at(-1)).toMatchObject({ server: 'web-01', via: 'lb-01', status: 200, outcome: 'ok' });
    const all = state.traffic.buckets.flatMap((b) => [b.total, b.errors]);
    expect(all).toEqual([RECENT_REQUESTS + 5, 1]);
  });

  it('keeps a cut link until it is healed, whichever way round it is named', () => {
    const events = stream(
      [0, 'supervisor', twoServers],
      [1, 'supervisor', { type: 'link.cut', a: 'lb-01', b: 'web-01' }],
    );
    expect(reduceAll(events).cuts).toEqual([['lb-01', 'web-01']]);
    const healed = reduce(reduceAll(events), {
      type: 'link.healed',
      a: 'web-01',
      b: 'lb-01',
      seq: 3,
      time: 2,
      node: 'supervisor',
    });
    expect(healed.cuts).toEqual([]);
  });

  it('turns a goal met with what was expected and observed, and remembers when', () => {
    const events = stream(
      [0, 'supervisor', twoServers],
      [
        9,
        'supervisor',
        {
          type: 'goal',
          id: 'see-both',
          title: 'See both servers answer',
          met: true,
          expected: 'answers from web-01 and web-02',
          observed: 'web-01: 3, web-02: 3',
        },
      ],
    );
    const goal = reduceAll(events).goals[0];
    expect(goal).toMatchObject({ met: true, observed: 'web-01: 3, web-02: 3', metAt: 2, hints: ['curl twice'] });
    expect(reduceAll(events).goals[1].met).toBe(false);
  });

  it('starts over on a new scenario event (reset lab)', () => {
    const events = stream(
      [0, 'supervisor', twoServers],
      [1, 'lb-01', request(200)],
      [2, 'supervisor', { type: 'link.cut', a: '*', b: 'web-02' }],
      [3, 'supervisor', twoServers],
    );
    const state = reduceAll(events);
    expect([state.requests.length, state.cuts.length, state.lastSeq]).toEqual([0, 0, 4]);
  });

  it('leaves the state as it was for events it does not draw, apart from the stream position', () => {
    const state = reduceAll(stream([0, 'supervisor', twoServers]));
    const next = reduce(state, { type: 'ready', port: 1234, seq: 2, time: 1, node: 'supervisor' });
    expect({ ...next, lastSeq: 1, time: 0 }).toEqual(state);
    expect(initialState().nodes).toEqual([]);
  });
});

describe('the virtual address and alerts', () => {
  const pair = {
    ...twoServers,
    nodes: [
      ...twoServers.nodes,
      { name: 'lb-02', role: 'balancer', address: '10.0.0.3', ports: [80], program: 'balancer' },
    ],
  };
  const vrrp = (state: 'MASTER' | 'BACKUP' | 'FAULT') =>
    ({
      type: 'vrrp.state',
      instance: 'VI_1',
      vrid: 51,
      state,
      priority: 100,
      vips: ['10.0.0.10'] as string[],
    }) as const;

  it('moves the virtual IP to whichever balancer becomes MASTER', () => {
    const events = stream([0, 'supervisor', pair], [1, 'lb-01', vrrp('MASTER')], [2, 'lb-02', vrrp('BACKUP')]);
    expect(reduceAll(events).vips).toEqual([{ address: '10.0.0.10', instance: 'VI_1', owner: 'lb-01' }]);
    const failover = reduceAll(
      stream(
        [0, 'supervisor', pair],
        [1, 'lb-01', vrrp('MASTER')],
        [2, 'lb-02', vrrp('BACKUP')],
        [3, 'lb-01', vrrp('FAULT')],
        [4, 'lb-02', vrrp('MASTER')],
      ),
    );
    expect(failover.vips).toEqual([{ address: '10.0.0.10', instance: 'VI_1', owner: 'lb-02' }]);
    expect(failover.nodes.map((n) => n.vrrp?.map((r) => r.state))).toEqual([
      ['FAULT'],
      undefined,
      undefined,
      ['MASTER'],
    ]);
    const lost = reduceAll(stream([0, 'supervisor', pair], [1, 'lb-01', vrrp('MASTER')], [2, 'lb-01', vrrp('FAULT')]));
    expect(lost.vips).toEqual([{ address: '10.0.0.10', instance: 'VI_1', owner: undefined }]);
  });

  it('marks the node an alert fires about until it resolves', () => {
    const alert = (state: 'firing' | 'resolved') =>
      ({
        type: 'monitor.alert',
        alertname: 'InstanceDown',
        state,
        labels: { instance: '10.0.0.12:80' },
        summary: 'web-02 is down',
        value: 0,
      }) as const;
    const firing = reduceAll(stream([0, 'supervisor', twoServers], [1, 'prom-01', alert('firing')]));
    expect(firing.nodes[2].alerts).toEqual(['InstanceDown']);
    expect(reduce(firing, { ...alert('resolved'), seq: 3, time: 2, node: 'prom-01' }).nodes[2].alerts).toEqual([]);
  });
});

describe('replication positions', () => {
  const cluster = {
    ...twoServers,
    nodes: [
      { name: 'db-01', role: 'store', address: '10.0.0.21', ports: [5432], program: 'store' },
      { name: 'db-02', role: 'store', address: '10.0.0.22', ports: [5432], program: 'store' },
    ],
  };
  const ready = (role: 'primary' | 'standby') =>
    ({ type: 'store.ready', address: '', role, timeline: 1, mode: 'async', lsn: 100 }) as const;
  const row = (replay_lsn: number, current_lsn: number, replay_lag: number | null) =>
    ({
      type: 'store.replication',
      application_name: 'db-02',
      client_addr: '10.0.0.22',
      state: 'streaming',
      sent_lsn: current_lsn,
      write_lsn: current_lsn,
      flush_lsn: current_lsn,
      replay_lsn,
      write_lag: null,
      flush_lag: null,
      replay_lag,
      sync_state: 'async',
      current_lsn,
    }) as const;

  it("shows each replica's replay position and lag as its primary reports them", () => {
    const state = reduceAll(
      stream(
        [0, 'supervisor', cluster],
        [1, 'db-01', ready('primary')],
        [2, 'db-02', ready('standby')],
        [1500, 'db-01', row(180, 300, 40)],
      ),
    );
    expect(state.nodes[0].replication).toMatchObject({ role: 'primary', lsn: 300 });
    expect(state.nodes[1].replication).toMatchObject({
      role: 'replica',
      replay_lsn: 180,
      lag_bytes: 120,
      lag_ms: 40,
      state: 'streaming',
    });
    expect(state.traffic.buckets.at(-1)?.lag_ms).toEqual({ 'db-02': 40 });
  });

  it('makes a promoted replica the primary on its new timeline and marks a fenced old primary', () => {
    const state = reduceAll(
      stream(
        [0, 'supervisor', cluster],
        [1, 'db-01', ready('primary')],
        [2, 'db-02', ready('standby')],
        [3, 'db-02', { type: 'store.promote', timeline: 2, lsn: 180 }],
        [4, 'db-01', { type: 'store.fenced', timeline: 2, reason: 'newer-timeline', primary: 'db-02' }],
      ),
    );
    expect(state.nodes[1].replication).toEqual({ role: 'primary', lsn: 180, timeline: 2 });
    expect(state.nodes[0].fenced).toBe(true);
  });
});

describe('the links after a failover', () => {
  const db = (n: number) => ({
    name: `db-0${n}`,
    role: 'store',
    address: `10.0.0.2${n}`,
    ports: [5432],
    program: 'store',
  });
  const cluster = {
    ...twoServers,
    nodes: [{ name: 'web-01', role: 'web', address: '10.0.0.11', ports: [80], program: 'web' }, db(1), db(2), db(3)],
  };
  const ready = (role: 'primary' | 'standby', timeline = 1) =>
    ({ type: 'store.ready', address: '', role, timeline, mode: 'async', lsn: 100 }) as const;
  const follow = (address: string) => ({ type: 'store.follow', primary: `${address}:5432` }) as const;
  const exited = (name: string) =>
    ({ type: 'node.exited', name, code: null, signal: 'SIGKILL', cause: 'exited', state: 'crashed' }) as const;
  const drawn = (events: Parameters<typeof stream>) => {
    const state = reduceAll(stream(...events));
    return {
      primary: currentPrimary(state),
      edges: links(state)
        .filter((e) => e.to.startsWith('db-'))
        .map((e) => `${e.from}>${e.to} ${e.kind}`),
    };
  };
  const running: Parameters<typeof stream> = [
    [0, 'supervisor', cluster],
    [1, 'db-01', ready('primary')],
    [2, 'db-02', follow('10.0.0.21')],
    [3, 'db-02', ready('standby')],
    [4, 'db-03', follow('10.0.0.21')],
    [5, 'db-03', ready('standby')],
  ];
  const failover: Parameters<typeof stream> = [
    ...running,
    [1000, 'supervisor', exited('db-01')],
    [4000, 'db-02', { type: 'store.promote', timeline: 2, lsn: 180 }],
    [4100, 'db-03', follow('10.0.0.22')],
  ];

  it('draws the replicas from the first primary, and the web server writing to it', () => {
    expect(drawn(running)).toEqual({
      primary: 'db-01',
      edges: ['web-01>db-01 traffic', 'db-01>db-02 replication', 'db-01>db-03 replication'],
    });
  });

  it('moves the links to the promoted replica: the web server writes to it and the other replica streams from it', () => {
    expect(drawn(failover)).toEqual({ primary: 'db-02', edges: ['web-01>db-02 traffic', 'db-02>db-03 replication'] });
  });

  it('draws the old primary from the new one once it rejoins as a standby (pg_rewind) on the new timeline', () => {
    const rejoined = drawn([
      ...failover,
      [6000, 'supervisor', started('db-01', '10.0.0.21')],
      [6100, 'db-01', follow('10.0.0.22')],
      [6200, 'db-01', ready('standby', 2)],
    ]);
    expect(rejoined).toEqual({
      primary: 'db-02',
      edges: ['web-01>db-02 traffic', 'db-02>db-01 replication', 'db-02>db-03 replication'],
    });
  });

  it('keeps writes on the newest timeline when the old primary comes back as a primary too (split brain)', () => {
    const splitBrain = drawn([
      ...failover,
      [6000, 'supervisor', started('db-01', '10.0.0.21')],
      [6100, 'db-01', ready('primary')],
    ]);
    expect(splitBrain).toEqual({ primary: 'db-02', edges: ['web-01>db-02 traffic', 'db-02>db-03 replication'] });
  });
});

import { Replay } from '../../../src/sandbox/view/replay';

describe('the timeline replay', () => {
  it('gives the same state at every position as reducing that prefix from scratch', () => {
    const many = Array.from(
      { length: 700 },
      (_, i) => [i * 10, 'lb-01', request(i % 50 ? 200 : 502, 3, i % 2 ? 'web-02' : 'web-01')] as const,
    );
    const events = stream([0, 'supervisor', twoServers], ...(many as never as Parameters<typeof stream>));
    const replay = new Replay(events);
    for (const n of [0, 1, 260, 699, 501, 701, 5000])
      expect(replay.stateAfter(n)).toEqual(reduceAll(events.slice(0, n)));
  });
});
