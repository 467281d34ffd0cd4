/**
 * The column compressions of written Parquet files, apart from the writer: the option checks of
 * every command use them, and the writer (with its footer and checksum code) is loaded only by a
 * command that writes Parquet (#16's start-up of a short command).
 */

/** Column compression of written Parquet files. */
export type ParquetCompression = 'none' | 'snappy' | 'gzip' | 'zstd' | 'brotli';
/** Every Parquet compression, for option checks. */
export const PARQUET_COMPRESSIONS: readonly ParquetCompression[] = ['none', 'snappy', 'gzip', 'zstd', 'brotli'];
