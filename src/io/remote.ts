/**
 * Remote URLs (s3://, hf://, gs://, http(s)://, ...) as inputs or outputs. corpus-clean reads and
 * writes local files only (datatrove and Data-Juicer users expect fsspec paths): such a name is
 * refused up front with what to do, rather than looked for on disk ("input not found") or
 * written as a local folder named `s3:`.
 */
import { UsageError } from '../core/errors.js';
import { showPath } from '../core/fsname.js';

/** A URL with a scheme of two or more letters (`s3://`, `hf://`, `file://`); not a Windows drive. */
const URL_LIKE = /^([A-Za-z][A-Za-z0-9+.-]+):\/\//;

/** The scheme of a URL-like name, or undefined. */
export function remoteScheme(name: string): string | undefined {
  return URL_LIKE.exec(name)?.[1].toLowerCase();
}

/** Throw a usage error when `name` (an input, or an output named by `what`) is a URL. */
export function refuseRemote(name: string, what = 'input'): void {
  const scheme = remoteScheme(name);
  if (scheme === undefined) return;
  if (scheme === 'file') throw new UsageError(`${what} '${showPath(name)}' is a file:// URL: give the path itself ('${showPath(name.replace(URL_LIKE, ''))}')`);
  const how = what === 'input' ? 'copy the files locally (e.g. aws s3 cp, gsutil cp, huggingface-cli download) and give the local path' : 'write to a local path, then copy the files there';
  throw new UsageError(`${what} '${showPath(name)}': remote URLs are not supported (${scheme}://: corpus-clean reads and writes local files only); ${how}`);
}
