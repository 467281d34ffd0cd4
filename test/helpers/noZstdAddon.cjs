// Preloaded with --require: this process (and its workers) cannot load the node-zstd addon, as an
// install without it (another platform, or the optional package left out): its writers use the
// next zstd codec. For tests of what a run says when its tasks wrote with another codec.
const Module = require('node:module');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@toondepauw/node-zstd' || request.startsWith('@toondepauw/node-zstd/')) {
    throw Object.assign(new Error(`Cannot find module '${request}' (hidden by test/helpers/noZstdAddon.cjs)`), { code: 'MODULE_NOT_FOUND' });
  }
  return resolveFilename.call(this, request, ...rest);
};
