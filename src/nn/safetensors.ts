/**
 * Reader and writer for the safetensors format (huggingface/safetensors):
 * an 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {..}}`
 * (offsets relative to the byte buffer that follows), then the raw
 * little-endian data.
 *
 * Floats (F16, BF16, F32, F64) are read as float32, integers as int32 (I64
 * values outside the int32 range are an error), BOOL as bool. The writer
 * stores float32 as F32, int32 as I32 (or I64 for the names in `int64`, as
 * torch's int64 buffers such as BN `num_batches_tracked`) and bool as BOOL,
 * and pads the header with spaces to a multiple of 8 bytes as the reference
 * writer does.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { tf, type Tensor } from '../engine/tf.js';
import { peekValues } from '../engine/read.js';

interface TensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

// Read from memory rather than node:os, so the decoder also runs in a browser (the exported page).
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const ELEMENT_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface SafetensorsContent {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Reads a .safetensors file; errors name the file. */
export function readSafetensors(path: string): SafetensorsContent {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read safetensors file ${path}: ${(e as Error).message}`);
  }
  return decodeSafetensors(bytes, path);
}

/** Decodes safetensors bytes; `source` names them in errors. */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors data'): SafetensorsContent {
  const fail = (msg: string): never => {
    throw new Error(`${source}: ${msg}`);
  };
  if (bytes.length < 8) fail(`too short (${bytes.length} bytes) for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) fail(`header length ${headerLen} exceeds the file size ${bytes.length}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, unknown>;
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors = new Map<string, Tensor>();
  try {
    for (const [name, raw] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const entry = raw as TensorEntry;
      const width = ELEMENT_BYTES[entry.dtype];
      if (width === undefined) fail(`tensor '${name}' has unsupported dtype ${String(entry.dtype)}`);
      if (!Array.isArray(entry.shape) || !entry.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor '${name}' has an invalid shape`);
      const [begin, end] = entry.data_offsets ?? [];
      const count = entry.shape.reduce((a, b) => a * b, 1);
      if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end > dataLen || end - begin !== count * width) {
        fail(`tensor '${name}' (${entry.dtype} [${entry.shape.join(', ')}]) has data_offsets [${begin}, ${end}] inconsistent with its size or the ${dataLen}-byte buffer`);
      }
      const data = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, end - begin);
      tensors.set(name, toTensor(entry.dtype, entry.shape, data, count, () => fail(`tensor '${name}' has I64 values outside the int32 range`)));
    }
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  return { tensors, metadata };
}

function toTensor(dtype: string, shape: number[], d: DataView, n: number, overflow: () => never): Tensor {
  if (dtype === 'BOOL') return tf.tensor(Uint8Array.from({ length: n }, (_, i) => d.getUint8(i)), shape, 'bool');
  if (dtype.startsWith('I') || dtype === 'U8') {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (dtype === 'I64') {
        const v = d.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) overflow();
        out[i] = Number(v);
      } else {
        out[i] = dtype === 'I32' ? d.getInt32(4 * i, true) : dtype === 'I16' ? d.getInt16(2 * i, true) : dtype === 'I8' ? d.getInt8(i) : d.getUint8(i);
      }
    }
    return tf.tensor(out, shape, 'int32');
  }
  if (dtype === 'F32' && LITTLE_ENDIAN_HOST) {
    // Copy (not view): the source buffer need not be 4-byte aligned.
    return tf.tensor(new Float32Array(d.buffer.slice(d.byteOffset, d.byteOffset + 4 * n)), shape, 'float32');
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'F32':
        out[i] = d.getFloat32(4 * i, true);
        break;
      case 'F64':
        out[i] = d.getFloat64(8 * i, true);
        break;
      case 'F16':
        out[i] = halfToFloat(d.getUint16(2 * i, true));
        break;
      default: // BF16: the upper half of a float32
        out[i] = bf16ToFloat(d.getUint16(2 * i, true));
    }
  }
  return tf.tensor(out, shape, 'float32');
}

const scratch = new DataView(new ArrayBuffer(4));

function bf16ToFloat(h: number): number {
  scratch.setUint32(0, h << 16);
  return scratch.getFloat32(0);
}

/** IEEE 754 binary16 to number, subnormals, infinities and NaN included. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const WRITE_DTYPES: Record<string, { name: string; bytes: number }> = {
  float32: { name: 'F32', bytes: 4 },
  int32: { name: 'I32', bytes: 4 },
  bool: { name: 'BOOL', bytes: 1 },
};

const I64 = { name: 'I64', bytes: 8 };

export interface SafetensorsWriteOptions {
  /** Names of int32 tensors to store as I64 (torch's dtype for counters and indices). */
  int64?: ReadonlySet<string>;
}

function writeDtype(name: string, t: Tensor, o: SafetensorsWriteOptions): { name: string; bytes: number } | undefined {
  return t.dtype === 'int32' && o.int64?.has(name) === true ? I64 : WRITE_DTYPES[t.dtype];
}

/** The 8-byte length and the JSON header (padded to 8 bytes) for tensors written in the given order. */
function encodeHeader(tensors: ReadonlyMap<string, Tensor>, metadata: Record<string, string>, o: SafetensorsWriteOptions): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error("a tensor cannot be named '__metadata__'");
    const dtype = writeDtype(name, t, o);
    if (dtype === undefined) throw new Error(`cannot write tensor '${name}' of dtype ${t.dtype} to safetensors`);
    header[name] = { dtype: dtype.name, shape: t.shape, data_offsets: [offset, offset + dtype.bytes * t.size] };
    offset += dtype.bytes * t.size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.alloc(8 + Buffer.byteLength(json));
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  head.write(json, 8, 'utf8');
  return head;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength; ) done += writeSync(fd, bytes, done);
}

/**
 * Writes tensors (float32, int32, bool) in the given order to an open file.
 * The header is computed from shapes, then each tensor is read and written on
 * its own: a checkpoint never needs a second copy of the whole model in memory.
 */
export function writeSafetensorsTo(fd: number, tensors: ReadonlyMap<string, Tensor>, metadata: Record<string, string> = {}, o: SafetensorsWriteOptions = {}): void {
  if (!LITTLE_ENDIAN_HOST) throw new Error('writing safetensors needs a little-endian host');
  writeAll(fd, encodeHeader(tensors, metadata, o));
  for (const [name, t] of tensors) {
    const v = peekValues(t);
    if (writeDtype(name, t, o) === I64) {
      const wide = BigInt64Array.from(v, (x) => BigInt(x));
      writeAll(fd, new Uint8Array(wide.buffer));
    } else {
      writeAll(fd, t.dtype === 'bool' ? Uint8Array.from(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    }
  }
}

export function writeSafetensors(path: string, tensors: ReadonlyMap<string, Tensor>, metadata: Record<string, string> = {}, o: SafetensorsWriteOptions = {}): void {
  const fd = openSync(path, 'w');
  try {
    writeSafetensorsTo(fd, tensors, metadata, o);
  } finally {
    closeSync(fd);
  }
}
