// CRC-32C (Castagnoli), the checksum PostgreSQL puts on every WAL record: it catches a flipped bit or a torn write.
const table = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c;
});

export function crc32c(bytes: Uint8Array): number {
  let crc = -1;
  // An indexed loop over a typed table: recovery checks every byte of the log, so this is its hot path.
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
