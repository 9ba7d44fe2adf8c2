// Log sequence numbers, as PostgreSQL writes them: a byte position in the write-ahead log, shown as two hex halves
// ("0/302ABF0" is byte 0x302ABF0). Every position the store reports (sent, write, flush, replay) is one of these.

export type Lsn = number;

export function formatLsn(lsn: Lsn): string {
  const high = Math.floor(lsn / 2 ** 32);
  const low = lsn % 2 ** 32;
  return `${high.toString(16).toUpperCase()}/${low.toString(16).toUpperCase()}`;
}

export function parseLsn(text: string): Lsn {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match) throw new Error(`invalid LSN '${text}': expected two hex halves like 0/302ABF0`);
  return parseInt(match[1], 16) * 2 ** 32 + parseInt(match[2], 16);
}
