/**
 * Pure-JS codecs, used where Node's zlib cannot serve: zstd (Node 20 has none) and the salvage
 * of a damaged gzip (fflate hands out every byte it decodes before the damage). Each is loaded
 * on first use: a command over plain or gzip input never loads them (fflate is 92 KB of source,
 * fzstd 24 KB; #16's start-up of a short command).
 */
type Fzstd = typeof import('fzstd');
type Fflate = typeof import('fflate');

let fzstd: Fzstd | undefined;
let fflate: Fflate | undefined;

/** fzstd's streaming decoder. */
export async function zstdDecompress(): Promise<Fzstd['Decompress']> {
  return (fzstd ??= await import('fzstd')).Decompress;
}

/** fflate's streaming gunzip. */
export async function salvageGunzip(): Promise<Fflate['Gunzip']> {
  return (fflate ??= await import('fflate')).Gunzip;
}
