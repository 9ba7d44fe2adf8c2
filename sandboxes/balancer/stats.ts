// The stats page (`stats uri`) and its CSV (`;csv` on the page, `show stat` on the runtime API), with HAProxy 2.6's
// columns in its order (management guide 9.1; the header as HAProxy 2.6.12 prints it): one FRONTEND row, one row
// per server, one BACKEND row. Columns the sandbox does not measure (TLS, HTTP/2, compression...) stay empty.
import type { Backend, Counters, Server } from './backend';
import type { Frontend } from './frontend';

const COLUMNS = (
  'pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,' +
  'chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,' +
  'check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,' +
  'req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,' +
  'agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,' +
  'agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,' +
  'cache_lookups,cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,' +
  'used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,agg_check_status,-,ssl_sess,' +
  'ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,' +
  'h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,h2_rst_stream_resp,h2_goaway_resp,' +
  'h2_open_connections,h2_backend_open_streams,h2_total_connections,h2_backend_total_streams,h1_open_connections,' +
  'h1_open_streams,h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,h1_spliced_bytes_out'
).split(',');

/** One proxy as the stats see it: its frontend part and/or its backend part. */
export interface StatsProxy {
  name: string;
  frontend?: Frontend;
  backend?: Backend;
}

type Row = Record<string, string | number>;
const seconds = (since: number) => Math.floor((Date.now() - since) / 1000);

function traffic(c: Counters): Row {
  const answered = c.hrsp.reduce((a, b) => a + b, 0);
  return {
    stot: c.stot,
    bin: c.bin,
    bout: c.bout,
    cli_abrt: c.cliAbrt,
    srv_abrt: c.srvAbrt,
    hrsp_1xx: c.hrsp[0],
    hrsp_2xx: c.hrsp[1],
    hrsp_3xx: c.hrsp[2],
    hrsp_4xx: c.hrsp[3],
    hrsp_5xx: c.hrsp[4],
    hrsp_other: c.hrsp[5],
    ttime: answered ? Math.round(c.totalTime / answered) : 0,
    ttime_max: c.maxTotalTime,
  };
}

function serverRow(server: Server, iid: number, sid: number): Row {
  const c = server.counters;
  const check = server.lastCheck;
  return {
    ...traffic(c),
    pxname: server.backend.name,
    svname: server.name,
    qcur: 0,
    qmax: 0,
    scur: server.served,
    smax: c.smax,
    slim: server.config.maxconn || '',
    dresp: 0,
    econ: c.econ,
    eresp: c.eresp,
    wretr: c.wretr,
    wredis: c.wredis,
    status: server.status(),
    weight: server.weight,
    act: server.backup ? 0 : 1,
    bck: server.backup ? 1 : 0,
    chkfail: server.health ? server.chkfail : '',
    chkdown: server.health ? server.chkdown : '',
    lastchg: seconds(server.lastChange),
    downtime: Math.floor((server.downtime + (server.downSince ? Date.now() - server.downSince : 0)) / 1000),
    pid: 1,
    iid,
    sid,
    lbtot: c.lbtot,
    type: 2,
    rate: 0,
    rate_max: 0,
    check_status: check?.status ?? (server.health ? 'INI' : ''),
    check_code: check?.code ?? '',
    check_duration: check?.duration ?? '',
    lastsess: c.lastSession ? seconds(c.lastSession) : -1,
    last_chk: check?.info ?? '',
    check_desc: check?.description ?? (server.health ? 'Initializing' : ''),
    check_rise: server.health?.rise ?? '',
    check_fall: server.health?.fall ?? '',
    check_health: server.health?.health ?? '',
    addr: server.address,
    mode: 'http',
    uweight: server.weight,
  };
}

export function statRows(proxies: StatsProxy[]): Row[] {
  const rows: Row[] = [];
  proxies.forEach(({ name, frontend, backend }, index) => {
    const iid = index + 1;
    if (frontend) {
      const c = frontend.counters;
      rows.push({
        ...traffic(c),
        pxname: name,
        svname: 'FRONTEND',
        scur: frontend.conns,
        smax: 0,
        slim: '',
        dreq: frontend.denied,
        dresp: 0,
        ereq: c.hrsp[3],
        status: 'OPEN',
        pid: 1,
        iid,
        sid: 0,
        type: 0,
        rate: 0,
        rate_max: 0,
        req_rate: 0,
        req_rate_max: 0,
        req_tot: c.hrsp.reduce((a, b) => a + b, 0),
        mode: 'http',
        conn_tot: c.stot,
      });
    }
    if (backend) {
      backend.servers.forEach((server, i) => rows.push(serverRow(server, iid, i + 1)));
      const c = backend.counters;
      const { active, backup } = backend.counts();
      rows.push({
        ...traffic(c),
        pxname: name,
        svname: 'BACKEND',
        qcur: backend.queue.length,
        qmax: 0,
        scur: backend.active,
        smax: 0,
        slim: '',
        dreq: 0,
        dresp: 0,
        econ: c.econ,
        eresp: c.eresp,
        wretr: c.wretr,
        wredis: c.wredis,
        status: backend.status(),
        weight: backend.servers.filter((s) => s.usable()).reduce((sum, s) => sum + s.weight, 0),
        act: active,
        bck: backup,
        chkdown: backend.servers.reduce((sum, s) => sum + s.chkdown, 0),
        lastchg: seconds(backend.lastChange),
        downtime: 0,
        pid: 1,
        iid,
        sid: 0,
        lbtot: backend.servers.reduce((sum, s) => sum + s.counters.lbtot, 0),
        type: 1,
        rate: 0,
        rate_max: 0,
        req_tot: c.hrsp.reduce((a, b) => a + b, 0),
        mode: 'http',
        algo: backend.config.balance,
      });
    }
  });
  return rows;
}

/** `show stat` and `;csv`: the `# ` header line, then one line per row, each ending with a comma as HAProxy's do. */
export function statCsv(proxies: StatsProxy[]): string {
  const line = (values: (string | number)[]) => values.join(',') + ',\n';
  return (
    '# ' +
    line(COLUMNS) +
    statRows(proxies)
      .map((row) => line(COLUMNS.map((c) => row[c] ?? '')))
      .join('') +
    '\n'
  );
}

// The HTML page: the same rows as HAProxy's page groups them, coloured with its legend.
const COLOURS: [RegExp, string, string][] = [
  [/^MAINT/, '#c070ff', 'active or backup DOWN for maintenance (MAINT)'],
  [/^DRAIN/, '#b0d0ff', 'active or backup SOFT STOPPED for maintenance'],
  [/^UP \d/, '#ffff50', 'active UP, going down'],
  [/^DOWN \d/, '#ff9040', 'active DOWN, going up'],
  [/^UP/, '#50ff50', 'active UP'],
  [/^DOWN/, '#ff3030', 'active or backup DOWN'],
  [/^no check/, '#e0e0e0', 'not checked'],
];
const colour = (status: string) => COLOURS.find(([re]) => re.test(status))?.[1] ?? '#ffffff';
const escape = (s: string | number) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function statHtml(proxies: StatsProxy[], refreshMs?: number): string {
  const heads = [
    '',
    'Queue<br>Cur',
    'Sessions<br>Cur',
    'Max',
    'Limit',
    'Total',
    'LbTot',
    'Bytes<br>In',
    'Out',
    'Errors<br>Req',
    'Conn',
    'Resp',
    'Warnings<br>Retr',
    'Redis',
    'Status',
    'LastChk',
    'Wght',
    'Act',
    'Bck',
    'Chk',
    'Dwn',
    'Dwntme',
  ];
  const rows = statRows(proxies);
  const tables = proxies.map(({ name }) => {
    const body = rows
      .filter((r) => r.pxname === name)
      .map((r) => {
        const cells = [
          r.svname,
          r.qcur,
          r.scur,
          r.smax,
          r.slim,
          r.stot,
          r.lbtot,
          r.bin,
          r.bout,
          r.ereq,
          r.econ,
          r.eresp,
          r.wretr,
          r.wredis,
          r.status,
          r.check_status
            ? `${r.check_status}${r.check_code !== '' && r.check_code !== undefined ? ` ${r.check_code}` : ''} in ${r.check_duration}ms`
            : '',
          r.weight,
          r.act,
          r.bck,
          r.chkfail,
          r.chkdown,
          r.type === 2 ? `${r.downtime}s` : '',
        ];
        const bg = r.type === 2 ? ` style="background:${colour(String(r.status))}"` : '';
        return `<tr${bg}>${cells.map((c) => `<td>${escape(c ?? '')}</td>`).join('')}</tr>`;
      })
      .join('\n');
    return `<table border="1"><caption><b>${escape(name)}</b></caption>\n<tr>${heads.map((h) => `<th>${h}</th>`).join('')}</tr>\n${body}\n</table>`;
  });
  const legend = COLOURS.map(
    ([, bg, text]) => `<li><span style="background:${bg}">&nbsp;&nbsp;&nbsp;&nbsp;</span> ${text}</li>`,
  ).join('');
  return `<!DOCTYPE html>
<html><head><title>Statistics Report for HAProxy</title>${refreshMs ? `<meta http-equiv="refresh" content="${Math.round(refreshMs / 1000)}">` : ''}</head>
<body><h1>Statistics Report for HAProxy</h1>
<h2>Statistics Report for pid ${process.pid}</h2>
<ul>${legend}</ul>
<p><a href=";csv">CSV export</a></p>
${tables.join('\n')}
</body></html>
`;
}
