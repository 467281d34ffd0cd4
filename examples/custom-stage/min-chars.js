// A stage of your own, used from a recipe as `- module: ./min-chars.js` (see recipe.yaml here).
// The module exports a StageFactory: a name, a one-line summary, its options (checked like a
// built-in stage's: type, default, min/max, allowed values) and `create`, which gets the options
// resolved (camelCase keys, defaults filled in) and returns a stage.
import { docStage, getText } from 'corpus-clean';

/** @type {import('corpus-clean').StageFactory} */
export default {
  name: 'min-chars',
  summary: 'drop records shorter than min_chars characters',
  options: {
    minChars: { type: 'integer', default: 200, min: 0, doc: 'shortest text kept, in characters' },
  },
  create: ({ minChars }) =>
    // Return a reason code to drop a record, nothing to keep it. `ctx.textField` is the run's text
    // field (--text-field, text_field in the recipe): without it getText reads `text`, else `content`.
    docStage({ name: 'min-chars', options: { minChars }, apply: (doc, ctx) => (getText(doc, ctx.textField).length < minChars ? `too_short:${minChars}` : undefined) }),
};
