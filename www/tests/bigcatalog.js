/**
 * Writes a large catalog file for the responsiveness test: N random int8 items, and no
 * `model.gram`, so loading it also computes YᵀY (N·d² work): a real freeze if done on the
 * page's thread.
 */

import { writeFileSync } from 'node:fs';

/**
 * @param {string} path
 * @param {number} items
 * @param {number} dim
 */
export function writeBigCatalog(path, items, dim) {
  const ids = Array.from({ length: items }, (_, i) => `B${i}`);
  const idBytes = Buffer.from(ids.join(''));
  const offsets = new Uint32Array(items + 1);
  for (let i = 0, at = 0; i < items; i++) offsets[i + 1] = at += ids[i].length;
  const scale = new Float32Array(items).fill(0.01);
  const vectors = new Int8Array(items * dim);
  let seed = 12345;
  for (let i = 0; i < vectors.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    vectors[i] = (seed >>> 16) % 255 - 127;
  }
  // Safetensors needs the tensors back to back; wider types first keeps them aligned.
  const tensors = [
    ['item.scale', 'F32', [items], new Uint8Array(scale.buffer)],
    ['item.id.offsets', 'U32', [items + 1], new Uint8Array(offsets.buffer)],
    ['item.vectors', 'I8', [items, dim], new Uint8Array(vectors.buffer)],
    ['item.id.utf8', 'U8', [idBytes.length], idBytes],
  ];
  const header = { __metadata__: { format_version: '1', source: 'www/tests responsiveness fixture' } };
  let at = 0;
  for (const [name, dtype, shape, data] of tensors) {
    header[name] = { dtype, shape, data_offsets: [at, at + data.length] };
    at += data.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // data starts 8-byte aligned
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([length, Buffer.from(json), ...tensors.map((t) => t[3])]));
}
