/**
 * Pure-JS codecs, used where Node's zlib cannot serve: zstd (Node 20 has none) and the salvage
 * of a damaged gzip (fflate hands out every byte it decodes before the damage).
 */
export { Decompress } from 'fzstd';
export { Gunzip } from 'fflate';
