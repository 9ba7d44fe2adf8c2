import { describe, expect, it, vi } from 'vitest';
import { encodeRecord, scan, syncToDisk, type WalRecord } from '../../../sandboxes/store/wal';
import { formatLsn, parseLsn } from '../../../sandboxes/contracts/lsn';

function log(values: string[]): { bytes: Buffer; records: WalRecord[] } {
  const records: WalRecord[] = [];
  const parts: Buffer[] = [];
  let lsn = 0;
  for (const [i, value] of values.entries()) {
    const record: WalRecord = { lsn, tli: 1, ts: 1_700_000_000_000 + i, op: 'set', key: `k${i}`, value };
    const bytes = encodeRecord(record);
    records.push(record);
    parts.push(bytes);
    lsn += bytes.length;
  }
  return { bytes: Buffer.concat(parts), records };
}

describe('the write-ahead log', () => {
  it('shows positions as PostgreSQL does, two hex halves', () => {
    expect(formatLsn(0x302abf0)).toBe('0/302ABF0');
    expect(formatLsn(2 ** 32 + 16)).toBe('1/10');
    expect(parseLsn('0/302ABF0')).toBe(0x302abf0);
    expect(() => parseLsn('12')).toThrow(/two hex halves/);
  });

  it('reads back every record it wrote, each at its own byte position', () => {
    const { bytes, records } = log(['a', 'héllo ✓', 'line\nbreak']);
    const found = scan(bytes);
    expect(found.invalid).toBeUndefined();
    expect(found.end).toBe(bytes.length);
    expect(found.records).toEqual(records);
    expect(found.records[1].lsn).toBeGreaterThan(0);
  });

  it('stops at a flipped byte: the checksum fails and nothing from that record on is applied', () => {
    const { bytes, records } = log(['one', 'two', 'three']);
    const at = records[1].lsn + bytes.subarray(records[1].lsn).indexOf('two');
    bytes[at] = 'T'.charCodeAt(0);
    const found = scan(bytes);
    expect(found.records.map((r) => r.value)).toEqual(['one']);
    expect(found.end).toBe(records[1].lsn);
    expect(found.invalid?.reason).toBe(
      `incorrect resource manager data checksum in record at ${formatLsn(records[1].lsn)}`,
    );
  });

  it('detects a torn tail (a record cut short by a crash) and reports its position', () => {
    const { bytes, records } = log(['one', 'two']);
    const torn = bytes.subarray(0, bytes.length - 7);
    const found = scan(torn);
    expect(found.records).toHaveLength(1);
    expect(found.end).toBe(records[1].lsn);
    expect(found.invalid?.reason).toMatch(
      new RegExp(
        `^invalid record length at ${formatLsn(records[1].lsn)}: .* got ${torn.length - records[1].lsn} bytes`,
      ),
    );
  });

  it('refuses a record found at the wrong position', () => {
    const { bytes } = log(['one']);
    const found = scan(bytes, 10);
    expect(found.records).toHaveLength(0);
    expect(found.invalid?.reason).toMatch(/unexpected record address 0\/0 in record at 0\/A/);
  });
});

describe('flushing the log to disk', () => {
  it('still fails on a real I/O error (before any fallback: this runs first)', async () => {
    const file = {
      datasync: async () => Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })),
      sync: async () => undefined,
    };
    await expect(syncToDisk(file)).rejects.toThrow('EIO');
  });

  it('carries on with fsync where fdatasync is not implemented, and says so once', async () => {
    const printed: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((text) => (printed.push(String(text)), true));
    const calls: string[] = [];
    const file = {
      datasync: async () => {
        calls.push('datasync');
        throw Object.assign(new Error('datasync is not implemented yet'), { code: 'ENOSYS' });
      },
      sync: async () => void calls.push('sync'),
    };
    try {
      await syncToDisk(file);
      await syncToDisk(file);
    } finally {
      spy.mockRestore();
    }
    expect(calls).toEqual(['datasync', 'sync', 'sync']);
    const warnings = printed.filter((line) => line.startsWith('WARNING:  fdatasync is not available in this runtime'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('not a crash of the machine');
  });
});
