import { isIPv4 } from "node:net";

/**
 * A minimal MaxMind DB (`.mmdb`, format 2.0) writer, so tests can build a country database of a
 * few networks instead of shipping one. The format (maxmind.github.io/MaxMind-DB) is a binary
 * search tree over the address bits, a 16-byte zero separator, a data section of typed values,
 * then `\xAB\xCD\xEFMaxMind.com` and a metadata map. This writes an IPv6 tree (IPv4 networks sit
 * at `::a.b.c.d/96+n`, where readers look for them) with 24-bit records and no pointers.
 */
export interface MmdbNetwork {
  /** CIDR: `203.0.113.0/24` or `2001:db8::/32`. */
  network: string;
  record: unknown;
}

type Record24 = { node: number } | { data: number } | null;

export function buildMmdb(networks: MmdbNetwork[], databaseType = "GeoLite2-Country"): Buffer {
  const data: Buffer[] = [];
  let dataLength = 0;
  const nodes: Array<[Record24, Record24]> = [[null, null]];

  for (const { network, record } of networks) {
    const offset = dataLength;
    const encoded = encode(record);
    data.push(encoded);
    dataLength += encoded.length;

    const bits = networkBits(network);
    let node = 0;
    for (let i = 0; i < bits.length; i++) {
      const side = bits[i]!;
      if (i === bits.length - 1) {
        nodes[node]![side] = { data: offset };
        break;
      }
      const next = nodes[node]![side];
      if (next && "data" in next) throw new Error(`${network} lies inside a network already written`);
      if (!next) {
        nodes.push([null, null]);
        nodes[node]![side] = { node: nodes.length - 1 };
      }
      node = (nodes[node]![side] as { node: number }).node;
    }
  }

  const nodeCount = nodes.length;
  const tree = Buffer.alloc(nodeCount * 6);
  const value = (r: Record24) => (r === null ? nodeCount : "node" in r ? r.node : nodeCount + 16 + r.data);
  nodes.forEach(([left, right], i) => {
    tree.writeUIntBE(value(left), i * 6, 3);
    tree.writeUIntBE(value(right), i * 6 + 3, 3);
  });

  const metadata = encode({
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: BigInt(1_700_000_000),
    database_type: databaseType,
    description: { en: "gatehouse test database" },
    ip_version: 6,
    languages: ["en"],
    node_count: new Uint32(nodeCount),
    record_size: 24,
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from("ABCDEF4D61784D696E642E636F6D", "hex"), metadata]);
}

/** The network's leading bits, as tree sides (0 = left, 1 = right), in a 128-bit address space. */
function networkBits(cidr: string): number[] {
  const [address, lengthText] = cidr.split("/");
  const length = Number(lengthText);
  const v4 = isIPv4(address!);
  const bytes = v4 ? [...new Array(12).fill(0), ...address!.split(".").map(Number)] : ipv6Bytes(address!);
  const prefix = v4 ? 96 + length : length;
  const bits: number[] = [];
  for (let i = 0; i < prefix; i++) bits.push((bytes[i >> 3]! >> (7 - (i & 7))) & 1);
  return bits;
}

function ipv6Bytes(address: string): number[] {
  const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill("0"), ...right];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** A number to be written as uint32 whatever its size (the metadata's `node_count` must be one). */
class Uint32 {
  constructor(readonly value: number) {}
}

/** Encodes a value in the MaxMind DB data format (maps, arrays, strings, unsigned ints, booleans, doubles). */
function encode(value: unknown): Buffer {
  if (typeof value === "string") return field(2, Buffer.from(value, "utf8"));
  if (typeof value === "boolean") return control(14, value ? 1 : 0);
  if (typeof value === "bigint") return field(9, uint(value));
  if (value instanceof Uint32) return field(6, uint(BigInt(value.value)));
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 0 && value < 2 ** 16) return field(5, uint(BigInt(value)));
    if (Number.isInteger(value) && value >= 0 && value < 2 ** 32) return field(6, uint(BigInt(value)));
    const b = Buffer.alloc(8);
    b.writeDoubleBE(value);
    return field(3, b);
  }
  if (Array.isArray(value)) return Buffer.concat([control(11, value.length), ...value.map(encode)]);
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    return Buffer.concat([control(7, entries.length), ...entries.flatMap(([k, v]) => [encode(k), encode(v)])]);
  }
  throw new Error(`cannot encode ${String(value)}`);
}

function uint(n: bigint): Buffer {
  const bytes: number[] = [];
  for (let v = n; v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  return Buffer.from(bytes);
}

function field(type: number, payload: Buffer): Buffer {
  return Buffer.concat([control(type, payload.length), payload]);
}

/** Control byte (type in the top 3 bits, or 0 and an extended-type byte), then the size. */
function control(type: number, size: number): Buffer {
  const head = type > 7 ? [0, type - 7] : [type << 5];
  let sizeBits: number;
  let extra: number[] = [];
  if (size < 29) sizeBits = size;
  else if (size < 285) [sizeBits, extra] = [29, [size - 29]];
  else if (size < 65_821) [sizeBits, extra] = [30, [(size - 285) >> 8, (size - 285) & 0xff]];
  else [sizeBits, extra] = [31, [(size - 65_821) >> 16, ((size - 65_821) >> 8) & 0xff, (size - 65_821) & 0xff]];
  head[0] = head[0]! | sizeBits;
  return Buffer.from([...head, ...extra]);
}
