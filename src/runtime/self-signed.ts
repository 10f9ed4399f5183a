/**
 * A self-signed TLS server certificate made with node:crypto alone: an EC P-256 key and a small
 * DER writer for the X.509 v3 fields a TLS server needs (subject, validity, subject alternative
 * names, key usages). The operator serves /metrics with one when no --metrics-cert-dir is given,
 * as controller-runtime's secure serving does; the image has no openssl CLI, and Node can parse
 * X.509 but not issue it. The test PKI (src/testenv/certs.ts) signs with openssl instead: it
 * needs a CA chain and client certificates, which this writer deliberately does not do.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP, isIPv4 } from 'node:net';

/** SelfSignedOptions say whom the certificate names. */
export interface SelfSignedOptions {
  /** commonName is the subject's CN. */
  readonly commonName: string;
  /** dnsNames and ipAddresses become subject alternative names. */
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  /** validDays from now. @default 365 */
  readonly validDays?: number;
  /** now is the start of validity (tests). @default the current time */
  readonly now?: Date;
}

/** SelfSigned is PEM text: the certificate and its PKCS#8 private key. */
export interface SelfSigned {
  readonly cert: string;
  readonly key: string;
}

// DER: tag, length, value.
function tlv(tag: number, value: Buffer): Buffer {
  const n = value.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, value]);
}
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bits = (b: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const explicit = (n: number, b: Buffer): Buffer => tlv(0xa0 + n, b);

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const first = (parts[0] ?? 0) * 40 + (parts[1] ?? 0);
  const out: number[] = [first];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = p >>> 7; v > 0; v >>>= 7) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`, 'ascii')) : tlv(0x18, Buffer.from(`${iso}Z`, 'ascii'));
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  // Expand "::" and read eight 16-bit groups.
  const [head = '', tail] = ip.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

/** selfSignedCertificate makes a fresh key and a self-signed serverAuth certificate for it. */
export function selfSignedCertificate(options: SelfSignedOptions): SelfSigned {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + (options.validDays ?? 365) * 86_400_000);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f; // a positive INTEGER
  const name = seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(options.commonName, 'utf8')))));
  const sans = [
    ...(options.dnsNames ?? []).map((d) => tlv(0x82, Buffer.from(d, 'ascii'))),
    ...(options.ipAddresses ?? []).filter((ip) => isIP(ip) !== 0).map((ip) => tlv(0x87, ipBytes(ip))),
  ];
  const critical = tlv(0x01, Buffer.from([0xff]));
  const extensions = seq(
    seq(oid('2.5.29.19'), critical, octets(seq())), // basicConstraints: not a CA
    seq(oid('2.5.29.15'), critical, octets(tlv(0x03, Buffer.from([0x07, 0x80])))), // keyUsage: digitalSignature
    seq(oid('2.5.29.37'), octets(seq(oid('1.3.6.1.5.5.7.3.1')))), // extKeyUsage: serverAuth
    ...(sans.length > 0 ? [seq(oid('2.5.29.17'), octets(seq(...sans)))] : []),
  );
  const tbs = seq(
    explicit(0, tlv(0x02, Buffer.from([2]))), // v3
    tlv(0x02, serial),
    ECDSA_SHA256,
    name,
    seq(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, extensions),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, ECDSA_SHA256, bits(signature));
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
