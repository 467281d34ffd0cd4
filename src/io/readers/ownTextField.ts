import { textFieldLabel, textFieldOf, type TextField } from '../../core/doc.js';
import type { DocSource, ReadEvents } from '../../core/pipeline.js';

/**
 * Inputs whose own text fields differ (run folders written with different `text_field`s, or a
 * run folder beside plain files) are read with one list, `shared`: every run's fields in the
 * order first met. A record for which that list finds another field than its own input's list
 * would (`own`: by path; a path not in it is not checked) is not read from a field its run never
 * judged: it becomes a `read/text_field_conflict` reject naming both fields. Records of the
 * common case (each folder's records hold only their own field) pass untouched.
 */
export function ownTextFields(source: DocSource, own: ReadonlyMap<string, TextField | undefined>, shared: TextField): DocSource {
  const sharedLabel = textFieldLabel(shared);
  return {
    async *read(events) {
      let checked = false;
      let mine: TextField | undefined;
      const ev: ReadEvents = {
        read: (records, bytes) => events.read(records, bytes),
        reject: (r, count) => events.reject(r, count),
        file: (path) => {
          checked = own.has(path) && textFieldLabel(own.get(path)) !== sharedLabel;
          mine = own.get(path);
          events.file(path);
        },
        fileError: (e) => events.fileError(e),
        ...(events.drain !== undefined ? { drain: () => events.drain!() } : {}),
      };
      for await (const batch of source.read(ev)) {
        if (!checked) {
          yield batch;
          continue;
        }
        let kept = batch;
        for (let i = 0; i < batch.length; i++) {
          const d = batch[i];
          const ownField = textFieldOf(d.data, mine);
          const field = textFieldOf(d.data, shared);
          if (ownField === field) {
            if (kept !== batch) kept.push(d);
            continue;
          }
          if (kept === batch) kept = batch.slice(0, i);
          events.reject({
            reason: 'text_field_conflict',
            source: d.source,
            record: d.data,
            detail: { field: field ?? null, own_field: ownField ?? null, own_text_field: textFieldLabel(mine), text_field: sharedLabel },
          });
        }
        if (kept.length > 0) yield kept;
      }
    },
  };
}
