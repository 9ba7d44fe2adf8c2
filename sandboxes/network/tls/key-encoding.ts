// The two DER encodings of a P-256 key that the sandbox's files carry, byte for byte as WebCrypto exports them (so
// the certificates and `crt` files made before the TLS model moved to the noble libraries still load):
//   SPKI (a certificate's public_key):  SEQUENCE { AlgorithmIdentifier { ecPublicKey, prime256v1 }, BIT STRING point }
//   PKCS#8 ("PRIVATE KEY" block):       SEQUENCE { 0, AlgorithmIdentifier, OCTET STRING ECPrivateKey (RFC 5915) }
//     ECPrivateKey:                     SEQUENCE { 1, OCTET STRING d, [1] BIT STRING point }
// The noble libraries work on raw keys (the 32-byte secret d, the 65-byte uncompressed point), which is all that
// is inside.

const EC_P256_ALGORITHM = Uint8Array.from([
  0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
  0x01, 0x07,
]);
const SEQUENCE = 0x30,
  INTEGER = 0x02,
  BIT_STRING = 0x03,
  OCTET_STRING = 0x04,
  PUBLIC_KEY_TAG = 0xa1;

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const head = length < 0x80 ? [tag, length] : [tag, 0x81, length]; // every structure here is under 256 bytes
  const out = new Uint8Array(head.length + length);
  out.set(head);
  let at = head.length;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

/** Reads one DER element at `at`: its tag, its contents and where the next one starts. */
function element(der: Uint8Array, at: number): { tag: number; body: Uint8Array; next: number } {
  const tag = der[at];
  let length = der[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const size = length & 0x7f;
    if (size < 1 || size > 2) throw new Error('bad DER length');
    length = 0;
    for (let i = 0; i < size; i++) length = (length << 8) | der[start + i];
    start += size;
  }
  if (tag === undefined || start + length > der.length) throw new Error('truncated DER');
  return { tag, body: der.subarray(start, start + length), next: start + length };
}

/** The elements of a SEQUENCE, checked to be one. */
function sequence(der: Uint8Array): ReturnType<typeof element>[] {
  const outer = element(der, 0);
  if (outer.tag !== SEQUENCE) throw new Error('not a DER SEQUENCE');
  const items = [];
  for (let at = 0; at < outer.body.length;) {
    const item = element(outer.body, at);
    items.push(item);
    at = item.next;
  }
  return items;
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const isP256 = (algorithm: { tag: number; body: Uint8Array }) =>
  equal(tlv(algorithm.tag, algorithm.body), EC_P256_ALGORITHM);

export function encodeSpki(point: Uint8Array): Uint8Array {
  return tlv(SEQUENCE, EC_P256_ALGORITHM, tlv(BIT_STRING, Uint8Array.of(0), point));
}

/** The uncompressed point inside an SPKI; throws on anything but a P-256 key. */
export function decodeSpki(der: Uint8Array): Uint8Array {
  const [algorithm, key] = sequence(der);
  if (!algorithm || !isP256(algorithm) || key?.tag !== BIT_STRING || key.body[0] !== 0)
    throw new Error('not a P-256 public key (SPKI)');
  return key.body.subarray(1);
}

export function encodePkcs8(secret: Uint8Array, point: Uint8Array): Uint8Array {
  const ecPrivateKey = tlv(
    SEQUENCE,
    tlv(INTEGER, Uint8Array.of(1)),
    tlv(OCTET_STRING, secret),
    tlv(PUBLIC_KEY_TAG, tlv(BIT_STRING, Uint8Array.of(0), point)),
  );
  return tlv(SEQUENCE, tlv(INTEGER, Uint8Array.of(0)), EC_P256_ALGORITHM, tlv(OCTET_STRING, ecPrivateKey));
}

/** The 32-byte secret inside a PKCS#8 P-256 key; throws on anything else. */
export function decodePkcs8(der: Uint8Array): Uint8Array {
  const [version, algorithm, wrapped] = sequence(der);
  if (version?.tag !== INTEGER || !algorithm || !isP256(algorithm) || wrapped?.tag !== OCTET_STRING)
    throw new Error('not a P-256 private key (PKCS#8)');
  const [, secret] = sequence(wrapped.body);
  if (secret?.tag !== OCTET_STRING || secret.body.length !== 32) throw new Error('not a P-256 private key (PKCS#8)');
  return secret.body;
}
