import { setOwnTextField, textFieldLabel, type TextField } from '../../core/doc.js';
import type { DocSource, ReadEvents } from '../../core/pipeline.js';

/**
 * Inputs written with different text fields (run folders whose `text_field`s are not one list
 * and its prefixes, see cli/textFieldHint.ts `runTextField`): each record is read with its own
 * input's list, `own` (by path), in every stage and writer of the command (core/doc.ts
 * OWN_TEXT_FIELD), so that the records of a run that cleaned `article_body` are read from it and
 * not from the raw `text` beside it. An input not in `own` (a plain file) is read with the
 * command's list. Records pass untouched otherwise: the mark is a symbol key, never written.
 */
export function ownTextFields(source: DocSource, own: ReadonlyMap<string, TextField>, shared: TextField): DocSource {
  const sharedLabel = textFieldLabel(shared);
  return {
    async *read(events) {
      let mine: TextField | undefined;
      const ev: ReadEvents = {
        read: (records, bytes) => events.read(records, bytes),
        reject: (r, count) => events.reject(r, count),
        file: (path) => {
          const f = own.get(path);
          mine = f !== undefined && textFieldLabel(f) !== sharedLabel ? f : undefined;
          events.file(path);
        },
        fileError: (e) => events.fileError(e),
        ...(events.drain !== undefined ? { drain: () => events.drain!() } : {}),
        // the records pass as read (the mark is a symbol key): their lines are still their JSON
        ...(events.recordText === true ? { recordText: true } : {}),
      };
      for await (const batch of source.read(ev)) {
        if (mine !== undefined) for (const d of batch) setOwnTextField(d.data, mine);
        yield batch;
      }
    },
  };
}
