// ufw's grammar, messages and rule evaluation, without processes.
import { describe, expect, it } from 'vitest';
import { decide, INSTALLED, type Ruleset } from '../../../../sandboxes/network/firewall/ruleset';
import { ufw } from '../../../../sandboxes/network/firewall/ufw';

/** Runs several ufw command lines in a row, returning the final rules and everything printed. */
function session(lines: string[], start: Ruleset = INSTALLED) {
  let ruleset = start;
  const printed: string[] = [];
  for (const line of lines) {
    const result = ufw(line.split(' '), ruleset);
    ruleset = result.ruleset;
    printed.push(result.output);
  }
  return { ruleset, printed };
}

describe('ufw', () => {
  it("prints ufw's own messages for the usual setup", () => {
    const { printed } = session([
      'status',
      'default deny incoming',
      'allow 22/tcp',
      'allow 22/tcp',
      'allow from 10.0.0.2 to any port 80 proto tcp',
      'enable',
      'status verbose',
    ]);
    expect(printed.slice(0, 6)).toEqual([
      'Status: inactive',
      "Default incoming policy changed to 'deny'\n(be sure to update your rules accordingly)",
      'Rules updated',
      'Skipping adding existing rule',
      'Rules updated',
      'Firewall is active and enabled on system startup',
    ]);
    expect(printed[6]).toBe(
      [
        'Status: active',
        'Logging: on (low)',
        'Default: deny (incoming), allow (outgoing), disabled (routed)',
        'New profiles: skip',
        '',
        'To                         Action      From',
        '--                         ------      ----',
        '22/tcp                     ALLOW IN    Anywhere',
        '80/tcp                     ALLOW IN    10.0.0.2',
        '',
      ].join('\n'),
    );
  });

  it('numbers rules and deletes them by number or by rule', () => {
    const { ruleset, printed } = session([
      'allow http',
      'limit ssh',
      'enable',
      'status numbered',
      'delete 1',
      'delete limit 22',
      'delete 7',
    ]);
    expect(printed[3]).toContain(
      '[ 1] 80                         ALLOW IN    Anywhere\n[ 2] 22                         LIMIT IN    Anywhere',
    );
    expect(printed.slice(4)).toEqual([
      'Deleting:\n allow 80\nRule deleted',
      'Rule deleted',
      "ERROR: Could not find rule '7'",
    ]);
    expect(ruleset.rules).toEqual([]);
  });

  it("refuses bad input with ufw's errors", () => {
    expect(ufw(['allow', '99999'], INSTALLED)).toMatchObject({ status: 1, output: 'ERROR: Bad port' });
    expect(ufw(['allow', 'from', '10.0.0.300'], INSTALLED)).toMatchObject({
      status: 1,
      output: "ERROR: Bad source address '10.0.0.300'",
    });
    expect(ufw(['permit', '80'], INSTALLED).output).toMatch(/^ERROR: Invalid syntax\n\nUsage: ufw COMMAND/);
  });
});

describe('rule evaluation', () => {
  const rules = session([
    'default deny incoming',
    'allow from 10.0.0.2 to any port 80 proto tcp',
    'reject 8404',
    'limit 22/tcp',
    'allow from 10.0.0.3 to any proto vrrp',
    'enable',
  ]).ruleset;
  const verdict = (source: string, port: number, hits = 1) =>
    decide(rules, source, '10.0.0.11', port, () => hits).verdict;

  it('lets through what a rule allows, drops what the default denies, refuses what a rule rejects', () => {
    expect(verdict('10.0.0.2', 80)).toBe('accept');
    expect(verdict('203.0.113.10', 80)).toBe('drop');
    expect(verdict('203.0.113.10', 8404)).toBe('reject');
    expect(verdict('10.0.0.3', 112)).toBe('accept');
    expect(verdict('10.0.0.11', 5432)).toBe('accept'); // a node always reaches itself (ufw accepts loopback)
  });

  it('limit rejects the 6th connection from one source within 30 s', () => {
    expect(verdict('203.0.113.10', 22, 5)).toBe('accept');
    expect(verdict('203.0.113.10', 22, 6)).toBe('reject');
  });

  it('accepts everything while the firewall is disabled', () => {
    expect(decide({ ...rules, enabled: false }, '203.0.113.10', '10.0.0.11', 5432, () => 1).verdict).toBe('accept');
  });
});
