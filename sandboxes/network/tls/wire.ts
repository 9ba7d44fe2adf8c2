// What an on-path observer makes of a chunk of bytes, for `sniff`: TLS records are named by type (a handshake
// message's clear fields, then only sizes and ciphertext), anything else is shown as text, as `tcpdump -A` would.
import { CONTENT } from './connection';

const ALERT_NAMES: Record<number, string> = {
  40: 'handshake failure',
  42: 'bad certificate',
  48: 'unknown ca',
  51: 'decrypt error',
};
const hex = (bytes: Buffer) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');

function isTls(data: Buffer): boolean {
  return (
    data.length >= 5 &&
    [CONTENT.alert, CONTENT.handshake, CONTENT.application_data].includes(data[0] as 21) &&
    data[1] === 3 &&
    data[2] === 3
  );
}

export function describeBytes(data: Buffer): string[] {
  if (!isTls(data)) {
    // Printable ASCII as is, the rest as dots; one output line per line of the payload.
    return data
      .toString('latin1')
      .replace(/[^\x20-\x7e\n]/g, (c) => (c === '\r' ? '' : '.'))
      .split('\n')
      .filter((line, i, all) => line !== '' || i < all.length - 1);
  }
  const lines: string[] = [];
  for (let at = 0; at + 5 <= data.length;) {
    const type = data[at];
    const length = data.readUInt16BE(at + 3);
    const body = data.subarray(at + 5, at + 5 + length);
    if (type === CONTENT.handshake) {
      try {
        const { type: message, random: _, key_share: share, ...fields } = JSON.parse(body.toString('utf8'));
        const shown = Object.entries(fields).map(([k, v]) => `${k}=${v}`);
        lines.push(
          `TLS 1.3 Handshake: ${message}${shown.length ? ` (${shown.join(', ')})` : ''}${share ? ', key_share (ECDH P-256 public key)' : ''}`,
        );
      } catch {
        lines.push(`TLS Handshake, ${length} bytes`);
      }
    } else if (type === CONTENT.alert && length === 2) {
      lines.push(
        `TLS Alert: ${body[0] === 2 ? 'fatal' : 'warning'}, ${ALERT_NAMES[body[1]] ?? `description ${body[1]}`}`,
      );
    } else {
      lines.push(
        `TLS Application Data, ${length} bytes encrypted: ${hex(body.subarray(0, 16))}${length > 16 ? ' ...' : ''}`,
      );
    }
    at += 5 + length;
  }
  return lines;
}
