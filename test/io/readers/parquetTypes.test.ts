// Parquet values hyparquet would change, drop or call damage (hostile review 6 F12, issue #10):
// every file is made here with hyparquet-writer and read in-process (no CLI), so this file is cheap.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { readFiles } from '../../../src/io/readers/index.js';
import { exactRaw } from '../../../src/io/json.js';
import { drain, tempDir } from '../../helpers/run.js';

type Opts = Parameters<typeof parquetWriteBuffer>[0];
const TEXT = { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' };
const list = (name: string, element: Record<string, unknown>): Record<string, unknown>[] => [
  { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', repetition_type: 'OPTIONAL', ...element },
];

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

/** Write a file and read it: records as the JSONL writer gives them back (kept number texts), rejects, file errors. */
async function read(name: string, opts: Opts) {
  const f = join(dir, name);
  await writeFile(f, new Uint8Array(parquetWriteBuffer(opts)));
  const d = await drain(readFiles([f]));
  return { ...d, lines: d.docs.map((x) => exactRaw(x.data) ?? JSON.stringify(x.data)) };
}

describe('Parquet values kept as they are', () => {
  it('NaN and Infinity inside a struct or a list make the row a parquet_value reject naming where, not null', async () => {
    const d = await read('nan.parquet', {
      columnData: [
        { name: 'text', data: ['a', 'b', 'c'] },
        { name: 's', data: [{ x: 1.5 }, { x: NaN }, { x: 2 }] },
        { name: 'l', data: [[1.5], [2], [3, -Infinity]] },
      ],
      schema: [{ name: 'root', num_children: 3 }, TEXT, { name: 's', repetition_type: 'OPTIONAL', num_children: 1 }, { name: 'x', type: 'DOUBLE', repetition_type: 'OPTIONAL' }, ...list('l', { type: 'DOUBLE' })] as never,
    });
    expect(d.lines).toEqual(['{"text":"a","s":{"x":1.5},"l":[1.5]}']);
    expect(d.read).toBe(3);
    expect(d.rejects.map((r) => [r.reason, r.source?.replace(/.*:/, ''), r.detail, r.raw])).toEqual([
      ['parquet_value', '2', { field: 's.x', value: 'NaN', why: 'NaN and Infinity have no JSON form' }, '{"text":"b","s":{"x":"NaN"},"l":[2]}'],
      ['parquet_value', '3', { field: 'l[1]', value: '-Infinity', why: 'NaN and Infinity have no JSON form' }, '{"text":"c","s":{"x":2},"l":[3,"-Infinity"]}'],
    ]);
  });

  it("a rejected row's raw holds its DECIMALs as read and spells every NaN/Infinity; detail.values names each (hostile review 7 F5)", async () => {
    const d = await read('raw.parquet', {
      columnData: [
        { name: 'text', data: ['r'] },
        { name: 'd', data: [123456n] },
        { name: 'a', data: [NaN] },
        { name: 'b', data: [-Infinity] },
        { name: 's', data: [{ x: Infinity }] },
      ],
      schema: [
        { name: 'root', num_children: 5 },
        TEXT,
        { name: 'd', type: 'INT64', converted_type: 'DECIMAL', scale: 2, precision: 18, repetition_type: 'OPTIONAL' },
        { name: 'a', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
        { name: 'b', type: 'FLOAT', repetition_type: 'OPTIONAL' },
        { name: 's', repetition_type: 'OPTIONAL', num_children: 1 },
        { name: 'x', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
      ] as never,
    });
    expect(d.rejects).toHaveLength(1);
    const why = 'NaN and Infinity have no JSON form';
    expect(d.rejects[0].raw).toBe('{"text":"r","d":1234.56,"a":"NaN","b":"-Infinity","s":{"x":"Infinity"}}');
    expect(d.rejects[0].detail).toEqual({ field: 'a', value: 'NaN', why, values: [{ field: 'a', value: 'NaN', why }, { field: 'b', value: '-Infinity', why }, { field: 's.x', value: 'Infinity', why }] });
  });

  it('DECIMAL stored as BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY, in a struct or a list: every digit', async () => {
    const d = await read('dec.parquet', {
      columnData: [
        { name: 'text', data: ['a', 'b'] },
        { name: 'ba', data: [12345678901234567890123n, -7n] },
        { name: 's', data: [{ d: 1234567890123456789n }, null] },
        { name: 'l', data: [[99999999999999999999n, null], [1n]] },
      ],
      schema: [
        { name: 'root', num_children: 4 },
        TEXT,
        { name: 'ba', type: 'BYTE_ARRAY', converted_type: 'DECIMAL', scale: 3, precision: 30, repetition_type: 'OPTIONAL' },
        { name: 's', repetition_type: 'OPTIONAL', num_children: 1 },
        { name: 'd', type: 'INT64', converted_type: 'DECIMAL', scale: 4, precision: 18, repetition_type: 'OPTIONAL' },
        ...list('l', { type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, converted_type: 'DECIMAL', scale: 2, precision: 38 }),
      ] as never,
    });
    expect(d.rejects).toEqual([]);
    expect(d.lines).toEqual(['{"text":"a","ba":12345678901234567890.123,"s":{"d":123456789012345.6789},"l":[999999999999999999.99,null]}', '{"text":"b","ba":-0.007,"s":null,"l":[0.01]}']);
  });

  it('INTERVAL, BSON, TIME and timestamps past what a JavaScript Date holds are read without loss, never called damage', async () => {
    const iv = (m: number, dd: number, ms: number): Uint8Array => {
      const b = new Uint8Array(12);
      const v = new DataView(b.buffer);
      [m, dd, ms].forEach((x, i) => v.setUint32(4 * i, x, true));
      return b;
    };
    const d = await read('types.parquet', {
      columnData: [
        { name: 'text', data: ['a', 'b'] },
        { name: 'iv', data: [iv(14, 3, 1500), null] },
        { name: 'b', data: [new Uint8Array([5, 0, 0, 0, 0]), null] },
        { name: 'tm', data: [3723004, 0] },
        { name: 'tn', data: [3723004005006n, 86399999999999n] },
        // DuckDB stores a TIMESTAMP 'infinity' as the largest INT64.
        { name: 'ts', data: [9223372036854775807n, -62135596800001n] },
        { name: 'day', data: [2932897, -719529] },
      ],
      schema: [
        { name: 'root', num_children: 7 },
        TEXT,
        { name: 'iv', type: 'FIXED_LEN_BYTE_ARRAY', type_length: 12, converted_type: 'INTERVAL', repetition_type: 'OPTIONAL' },
        { name: 'b', type: 'BYTE_ARRAY', converted_type: 'BSON', repetition_type: 'OPTIONAL' },
        { name: 'tm', type: 'INT32', converted_type: 'TIME_MILLIS', repetition_type: 'OPTIONAL' },
        { name: 'tn', type: 'INT64', logical_type: { type: 'TIME', isAdjustedToUTC: true, unit: 'NANOS' }, repetition_type: 'OPTIONAL' },
        { name: 'ts', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'OPTIONAL' },
        { name: 'day', type: 'INT32', converted_type: 'DATE', repetition_type: 'OPTIONAL' },
      ] as never,
    });
    expect(d.fileErrors).toEqual([]);
    expect(d.rejects).toEqual([]);
    expect(d.docs.map((x) => x.data)).toEqual([
      { text: 'a', iv: { months: 14, days: 3, milliseconds: 1500 }, b: 'BQAAAAA=', tm: '01:02:03.004', tn: '01:02:03.004005006', ts: '+292278994-08-17T07:12:55.807Z', day: '+010000-01-01' },
      { text: 'b', iv: null, b: null, tm: '00:00:00.000', tn: '23:59:59.999999999', ts: '0000-12-31T23:59:59.999Z', day: '-000001-12-31' },
    ]);
  });

  it('MAP: a __proto__ key stays a key, integer keys are their text, a repeated key is a reject (never a dropped value)', async () => {
    const map = (key: Record<string, unknown>): Record<string, unknown>[] => [
      { name: 'm', repetition_type: 'OPTIONAL', converted_type: 'MAP', num_children: 1 },
      { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
      { name: 'key', repetition_type: 'REQUIRED', ...key },
      { name: 'value', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    ];
    const kv = (...p: Array<[unknown, string]>) => p.map(([key, value]) => ({ key, value }));
    const s = await read('maps.parquet', {
      columnData: [
        { name: 'text', data: ['a', 'b', 'c', 'd'] },
        { name: 'm', data: [kv(['__proto__', 'p'], ['a', 'b']), null, [], kv(['k', '1'], ['k', '2'])] },
      ],
      schema: [{ name: 'root', num_children: 2 }, TEXT, ...map({ type: 'BYTE_ARRAY', converted_type: 'UTF8' })] as never,
    });
    expect(s.lines).toEqual(['{"text":"a","m":{"__proto__":"p","a":"b"}}', '{"text":"b","m":null}', '{"text":"c","m":{}}']);
    expect(Object.getPrototypeOf(s.docs[0].data.m)).toBe(Object.prototype);
    expect(s.rejects.map((r) => [r.reason, r.detail])).toEqual([['parquet_value', { field: 'm.k', value: 'k', why: 'a MAP key repeated: a JSON object holds each key once' }]]);
    const n = await read('mapint.parquet', { columnData: [{ name: 'text', data: ['a'] }, { name: 'm', data: [kv([1, 'one'], [-2, 'minus two'])] }], schema: [{ name: 'root', num_children: 2 }, TEXT, ...map({ type: 'INT32' })] as never });
    expect(n.lines).toEqual(['{"text":"a","m":{"1":"one","-2":"minus two"}}']);
  });

  it('a STRING value whose bytes are not UTF-8 is a reject with its bytes in base64, not U+FFFD', async () => {
    const d = await read('latin1.parquet', { columnData: [{ name: 'text', data: [new TextEncoder().encode('ok'), new Uint8Array([0x63, 0x61, 0x66, 0xe9])] }], schema: [{ name: 'root', num_children: 1 }, TEXT] as never });
    expect(d.lines).toEqual(['{"text":"ok"}']);
    expect(d.rejects.map((r) => [r.reason, r.detail, r.raw])).toEqual([['parquet_value', { field: 'text', value: 'Y2Fm6Q==', why: 'a STRING value whose bytes are not UTF-8 (its bytes in base64)' }, '{"text":"Y2Fm6Q=="}']]);
  });

  it('a column name with a leading U+FEFF keeps it (hyparquet drops it, and two columns became one)', async () => {
    const d = await read('bom.parquet', { columnData: [{ name: '\uFEFFtext', data: ['a'] }, { name: 'text', data: ['b'] }] });
    expect(d.docs.map((x) => x.data)).toEqual([{ '\uFEFFtext': 'a', text: 'b' }]);
  });

  it('a column compressed with a codec there is no decoder for (LZO) is named as unsupported, its rows counted as rejected, never "damaged"', async () => {
    const d = await read('lzo.parquet', { codec: 'LZO', compressors: { LZO: (b: Uint8Array) => b }, columnData: [{ name: 'text', data: ['a', 'b'] }] } as never);
    expect(d.docs).toEqual([]);
    expect(d.read).toBe(2);
    expect(d.rejects.map((r) => [r.reason, r.detail])).toEqual([
      ['parquet_unsupported', { rows: 2, last_row: 2, column: 'text', codec: 'LZO' }],
      ['parquet_unsupported', { rows: 2, last_row: 2, column: 'text', codec: 'LZO' }],
    ]);
    expect(d.fileErrors.map((e) => e.message)).toEqual([expect.stringContaining("column 'text' is compressed with LZO, which corpus-clean cannot read")]);
    expect(d.fileErrors[0].message).not.toContain('damage');
  });
});
