// Fault injection for the writers, loaded with `node --import`: FAULT=write|rename|close makes
// that operation fail with ENOSPC (EIO for close) on every path matching the regex FAULT_PATH;
// FAULT=erofs makes fs.promises.access fail with EROFS there (a read-only file system).
// Covers the callback API that WriteStream uses (open/write/writev/close) and the promise API
// (open → FileHandle, rename), and writeFileSync/renameSync (a string's writeFileSync does not go
// through openSync: it is failed here after creating the file, as a full disk leaves it).
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const kind = process.env.FAULT;
const match = new RegExp(process.env.FAULT_PATH ?? '$^');
const fail = (code, what) => Object.assign(new Error(`${code}: injected ${what} failure`), { code, errno: -28, syscall: what });
const fds = new Set();

const open = fs.open;
fs.open = function (path, ...rest) {
  const cb = rest.pop();
  open.call(fs, path, ...rest, (err, fd) => {
    if (!err) {
      if (match.test(String(path))) fds.add(fd);
      else fds.delete(fd);
    }
    cb(err, fd);
  });
};
// The sync API (the Parquet writer writes its files and spill with openSync/writeSync).
const openSync = fs.openSync;
fs.openSync = function (path, ...rest) {
  const fd = openSync.call(fs, path, ...rest);
  if (match.test(String(path))) fds.add(fd);
  else fds.delete(fd);
  return fd;
};
// A closed fd's number is reused by the next open: it no longer names the file that matched.
const closeSync = fs.closeSync;
fs.closeSync = function (fd) {
  fds.delete(fd);
  return closeSync.call(fs, fd);
};
if (kind === 'write') {
  const writeSync = fs.writeSync;
  fs.writeSync = function (fd, ...rest) {
    if (fds.has(fd)) throw fail('ENOSPC', 'write');
    return writeSync.call(fs, fd, ...rest);
  };
  for (const name of ['write', 'writev']) {
    const orig = fs[name];
    fs[name] = function (fd, ...rest) {
      if (!fds.has(fd)) return orig.call(fs, fd, ...rest);
      const cb = rest.pop();
      process.nextTick(() => cb(fail('ENOSPC', 'write')));
    };
  }
}
if (kind === 'write') {
  const writeFileSync = fs.writeFileSync;
  fs.writeFileSync = function (path, ...rest) {
    if (typeof path !== 'string' || !match.test(path)) return writeFileSync.call(fs, path, ...rest);
    closeSync.call(fs, openSync.call(fs, path, 'w'));
    throw fail('ENOSPC', 'write');
  };
}
if (kind === 'rename') {
  const renameSync = fs.renameSync;
  fs.renameSync = function (a, b) {
    if (match.test(String(b))) throw fail('ENOSPC', 'rename');
    return renameSync.call(fs, a, b);
  };
}
if (kind === 'close') {
  const close = fs.close;
  fs.close = function (fd, cb) {
    if (!fds.has(fd)) return close.call(fs, fd, cb);
    fds.delete(fd);
    close.call(fs, fd, () => cb?.(fail('EIO', 'close')));
  };
}
if (kind === 'rename') {
  const rename = fs.promises.rename;
  fs.promises.rename = async (a, b) => {
    if (match.test(String(b))) throw fail('ENOSPC', 'rename');
    return rename(a, b);
  };
}
const popen = fs.promises.open;
fs.promises.open = async (path, ...rest) => {
  const h = await popen(path, ...rest);
  if (!match.test(String(path))) return h;
  return new Proxy(h, {
    get(t, p) {
      const v = t[p];
      if (typeof v !== 'function') return v;
      if (kind === 'write' && (p === 'write' || p === 'writeFile' || p === 'writev')) return async () => { throw fail('ENOSPC', 'write'); };
      if (kind === 'close' && p === 'close') return async () => { await t.close(); throw fail('EIO', 'close'); };
      return v.bind(t);
    },
  });
};
// fs.promises.writeFile does not go through fs.promises.open: failed here after creating the
// file, as a full disk leaves it (its error names no path, as the real one does not).
if (kind === 'write') {
  const pwriteFile = fs.promises.writeFile;
  fs.promises.writeFile = async (path, ...rest) => {
    if (typeof path !== 'string' || !match.test(path)) return pwriteFile(path, ...rest);
    await pwriteFile(path, '');
    throw fail('ENOSPC', 'write');
  };
}
if (kind === 'erofs') {
  const access = fs.promises.access;
  fs.promises.access = async (path, ...rest) => {
    if (match.test(String(path))) throw fail('EROFS', 'access');
    return access(path, ...rest);
  };
}
syncBuiltinESMExports();
