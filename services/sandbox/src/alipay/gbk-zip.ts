import { crc32, deflateRawSync } from 'node:zlib';
import iconv from 'iconv-lite';

export interface ZipEntry {
  /** Stored as GBK bytes, without the UTF-8 flag (general purpose bit 11), as Alipay's bill zips are. */
  readonly name: string;
  readonly data: Uint8Array;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const VERSION = 20; // 2.0: deflate
const DEFLATE = 8;

/** MS-DOS date and time words of a wall-clock time (its UTC fields are read as local). */
function dosDateTime(wallClock: Date): { time: number; date: number } {
  const time =
    (wallClock.getUTCHours() << 11) | (wallClock.getUTCMinutes() << 5) | (wallClock.getUTCSeconds() >> 1);
  const date =
    ((wallClock.getUTCFullYear() - 1980) << 9) |
    ((wallClock.getUTCMonth() + 1) << 5) |
    wallClock.getUTCDate();
  return { time, date };
}

/**
 * A zip archive whose entry names are GBK, as Alipay's bill downloads are. Zip libraries
 * always write UTF-8 names (and set bit 11), so this writes the format itself: a local
 * header and deflated data per entry, the central directory, and the end record
 * (APPNOTE 6.3: no data descriptors, no zip64, no comments).
 *
 * @example
 * const zip = gbkZip([{ name: '业务明细.csv', data: iconv.encode('a,b\r\n', 'gbk') }], new Date());
 */
export function gbkZip(entries: readonly ZipEntry[], modifiedWallClock: Date): Buffer {
  const { time, date } = dosDateTime(modifiedWallClock);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = iconv.encode(entry.name, 'gbk');
    const data = Buffer.from(entry.data);
    const compressed = deflateRawSync(data);
    const crc = crc32(data);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(0, 6); // flags: no UTF-8 bit, no data descriptor
    local.writeUInt16LE(DEFLATE, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    locals.push(local, name, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_HEADER, 0);
    central.writeUInt16LE(VERSION, 4); // made by: MS-DOS, 2.0
    central.writeUInt16LE(VERSION, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(DEFLATE, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk number
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(0, 38); // external attributes
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.length + name.length + compressed.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...locals, centralDirectory, end]);
}
