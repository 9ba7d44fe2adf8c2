// Attacks on the sandbox programs through their own arguments, config files and environment (issue 12, items 2
// and 4), each written as the attacker would type it into the learner's terminal or a pasted config, each run
// against the real bundle as the local bridge starts it (SANDBOX_ROOT = the session folder), and each checked two
// ways: the program refuses with its real tool's words for a missing file, and nothing outside the session changed.
import { existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { expectNoCanary, expectOutsideUntouched, labPerTest, run, start } from './support';

const lab = labPerTest();

const DEFAULTS = 'defaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\n';

/** The first word of every line of a system file: what the old `balancer -c -f /etc/passwd` printed. */
const firstWords = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.split(/\s/)[0])
        .filter((word) => word.length > 3)
    : [];

// Each program, the attack on its config file, and its real tool's words for a file it cannot open.
const CONFIG_READERS = [
  {
    program: 'balancer',
    args: ['-c', '-f'],
    code: 1,
    refusal: (file: string) => `config : Could not open configuration file ${file} : No such file or directory`,
  },
  {
    program: 'balancer',
    args: ['-f'],
    code: 1,
    refusal: (file: string) => `config : Could not open configuration file ${file} : No such file or directory`,
  },
  {
    program: 'vrrp',
    args: ['-t', '-f'],
    code: 1,
    refusal: (file: string) => `Unable to find configuration file ${file}`,
  },
  {
    program: 'monitor',
    args: ['-f'],
    code: 1,
    refusal: (file: string) => `monitor: open ${file}: no such file or directory`,
  },
  {
    program: 'store',
    args: ['monitor', '--config'],
    code: 2,
    refusal: (file: string) => `store: could not open configuration file "${file}": No such file or directory`,
  },
];

describe('a config file named on the command line', () => {
  it.each(CONFIG_READERS)(
    '$program $args /etc/passwd and /etc/hostname are refused as missing files, and none of their lines is printed',
    async ({ program, args, code, refusal }) => {
      const attacked = lab();
      for (const file of ['/etc/passwd', '/etc/hostname']) {
        const { code: exit, output } = await run(attacked, program, [...args, file]);
        expect(exit).toBe(code);
        expect(output).toContain(refusal(file));
        for (const word of firstWords(file)) expect(output).not.toContain(word);
      }
      expectOutsideUntouched(attacked);
    },
  );

  it.each(CONFIG_READERS)(
    '$program $args with a file outside the session (absolute or ../) is refused and its words never shown',
    async ({ program, args, code, refusal }) => {
      const attacked = lab();
      for (const file of [attacked.canary, '../outside/canary.txt']) {
        const { code: exit, output } = await run(attacked, program, [...args, file]);
        expect(exit).toBe(code);
        expect(output).toContain(refusal(file));
        expectNoCanary(output);
      }
      expectOutsideUntouched(attacked);
    },
  );

  it.each(CONFIG_READERS)(
    '$program $args through a symlink or a hard link made inside the session is refused',
    async ({ program, args, code, refusal }) => {
      const attacked = lab((made) => {
        symlinkSync('/etc/passwd', join(made.session, 'x.cfg'));
        symlinkSync(made.canary, join(made.session, 'y.cfg'));
        linkSync(made.canary, join(made.session, 'hard.cfg'));
      });
      for (const file of ['x.cfg', 'y.cfg', 'hard.cfg']) {
        const { code: exit, output } = await run(attacked, program, [...args, file]);
        expect(exit).toBe(code);
        expect(output).toContain(refusal(file));
        expectNoCanary(output);
        for (const word of firstWords('/etc/passwd')) expect(output).not.toContain(word);
      }
      expectOutsideUntouched(attacked);
    },
  );

  it('a config inside the session is still read: balancer -c -f haproxy.cfg says it is valid', async () => {
    const inside = lab((made) =>
      writeFileSync(
        join(made.session, 'haproxy.cfg'),
        `${DEFAULTS}frontend fe\n  bind :8080\n  default_backend be\nbackend be\n  server s1 127.0.0.1:8081\n`,
      ),
    );
    expect(await run(inside, 'balancer', ['-c', '-f', 'haproxy.cfg'])).toEqual({
      code: 0,
      output: 'Configuration file is valid\n',
    });
  });
});

describe('a file named inside a config file', () => {
  it.each(['../outside/canary.txt', 'OUTSIDE', '/etc/passwd'])(
    'a monitor rule file %s is refused as Prometheus refuses a file it cannot open',
    async (rules) => {
      const attacked = lab();
      const path = rules === 'OUTSIDE' ? attacked.canary : rules;
      writeFileSync(
        join(attacked.session, 'prometheus.yml'),
        `global:\n  scrape_interval: 2s\nrule_files:\n  - ${path}\nscrape_configs:\n  - job_name: web\n    static_configs:\n      - targets: ['127.0.0.1:1']\n`,
      );
      const { code, output } = await run(attacked, 'monitor', ['-f', 'prometheus.yml']);
      expect(code).toBe(1);
      expect(output).toContain(`monitor: open ${path}: no such file or directory`);
      expectNoCanary(output);
      for (const word of firstWords('/etc/passwd')) expect(output).not.toContain(word);
      expectOutsideUntouched(attacked);
    },
  );
});

describe('a certificate named in haproxy.cfg', () => {
  it.each(['/etc/ssl/private/x.pem', '../outside/canary.txt', 'OUTSIDE'])(
    'crt %s is refused as a file HAProxy cannot stat, with -c and when starting',
    async (crt) => {
      const attacked = lab();
      const path = crt === 'OUTSIDE' ? attacked.canary : crt;
      writeFileSync(
        join(attacked.session, 'haproxy.cfg'),
        `${DEFAULTS}frontend fe\n  bind :8443 ssl crt ${path}\n  default_backend be\nbackend be\n  server s1 127.0.0.1:8081\n`,
      );
      for (const args of [
        ['-c', '-f', 'haproxy.cfg'],
        ['-f', 'haproxy.cfg'],
      ]) {
        const { code, output } = await run(attacked, 'balancer', args);
        expect(code).toBe(1);
        expect(output).toContain(
          `'bind :8443' in section 'frontend' : unable to stat SSL certificate from file '${path}' : No such file or directory.`,
        );
        expectNoCanary(output);
      }
      expectOutsideUntouched(attacked);
    },
  );
});

describe('a data directory or node name given to the store', () => {
  it.each(['ABSOLUTE', '../outside/data', '/tmp/outside'])(
    "store primary --data %s writes nothing there and stops with PostgreSQL's words",
    async (data) => {
      const attacked = lab();
      const dir = data === 'ABSOLUTE' ? join(attacked.outside, 'data') : data;
      const existed = existsSync(resolve(attacked.session, dir));
      const { code, output } = await run(attacked, 'store', ['primary', '--listen', ':0', '--data', dir]);
      expect(code).toBe(1);
      expect(output).toContain(`store: FATAL:  data directory "${dir}" does not exist`);
      expect(existsSync(resolve(attacked.session, dir))).toBe(existed);
      expectOutsideUntouched(attacked);
    },
  );

  it('a node name that would become a path (SANDBOX_NODE=../../outside/x) is refused before any folder is made', async () => {
    const attacked = lab();
    const { code, output } = await run(attacked, 'store', ['primary', '--listen', ':0'], {
      SANDBOX_NODE: '../../outside/x',
    });
    expect(code).toBe(2);
    expect(output).toContain(
      "store: --name ../../outside/x: a node name is letters, digits, '-', '_' and '.', e.g. db-01",
    );
    expectOutsideUntouched(attacked);
  });
});

describe('the network environment', () => {
  it.each(['../outside/net', '../../x', 'OUTSIDE'])(
    'SANDBOX_NET=%s outside the session stops the program and creates nothing',
    async (given) => {
      const attacked = lab();
      const folder = given === 'OUTSIDE' ? join(attacked.outside, 'net') : given;
      const target = resolve(attacked.session, folder);
      const existed = existsSync(target);
      const { code, output } = await run(attacked, 'web', ['--name', 'web-01', '--listen', ':80'], {
        SANDBOX_NET: folder,
        SANDBOX_ADDR: '10.0.0.11',
      });
      expect(code).toBe(1);
      expect(output).toContain(
        `web: cannot listen on :80: SANDBOX_NET=${folder}: the network folder must be inside the session folder ${attacked.session}`,
      );
      expect(existsSync(target)).toBe(existed);
      expectOutsideUntouched(attacked);
    },
  );

  it.each(['../../../../outside/pwned', '../../x', '10.0.0.256', '10.0.0'])(
    'SANDBOX_ADDR=%s is refused as not an IPv4 address, and no entry is written',
    async (address) => {
      const attacked = lab();
      const { code, output } = await run(attacked, 'web', ['--name', 'web-01', '--listen', ':80'], {
        SANDBOX_NET: '.sandbox/net',
        SANDBOX_ADDR: address,
      });
      expect(code).toBe(1);
      expect(output).toContain(
        `SANDBOX_ADDR=${address}: not an IPv4 address (four numbers from 0 to 255, e.g. 10.0.0.11)`,
      );
      expect(existsSync(join(attacked.session, '.sandbox', 'net', 'ports'))).toBe(false);
      expect(existsSync(join(tmpdir(), 'x_80'))).toBe(false);
      expectOutsideUntouched(attacked);
    },
  );

  it('inside the session both are used: the node listens and writes its port entry', async () => {
    const inside = lab();
    mkdirSync(join(inside.session, '.sandbox', 'net'), { recursive: true });
    const web = start(inside, 'web', ['--name', 'web-01', '--listen', ':80'], {
      SANDBOX_NET: '.sandbox/net',
      SANDBOX_ADDR: '10.0.0.11',
    });
    try {
      // Waited for, not given a fixed time: a loaded machine takes seconds to start a Node process.
      await vi.waitFor(() => expect(web.output()).toContain('web-01 listening on 10.0.0.11:80'), {
        timeout: 15_000,
        interval: 50,
      });
      expect(existsSync(join(inside.session, '.sandbox', 'net', 'ports', '10.0.0.11_80'))).toBe(true);
    } finally {
      await web.stop();
    }
  });
});
