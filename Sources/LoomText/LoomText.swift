// LoomText: text → tokens → ids → padded batches.
//
// - `Tokenizer` (words, ICU word-break rules via the `CICU` shim) and
//   `CharacterTokenizer` (grapheme clusters or Unicode scalars).
// - `TokenCounter` → `Vocabulary` (word ids; 0 `<pad>`, 1 `<unk>`; deterministic order)
//   and `CharVocabulary` (character ids).
// - `padSequences` (Keras `pad_sequences` semantics) → `PaddedSequences`.
// - Corpus readers: `LabelledCorpus` (aclImdb folders, TSV, CSV; label rule in `Labels`),
//   `TextCorpus` (also plain text), `TextFile` (strict or lossy UTF-8).
// - Every user-input error is a `TextError` naming file, line and byte offset; files are
//   written with `AtomicFile` (temporary file + rename).
//
// Speed: the word tokenizer's hot loop runs in C, once per text: markup stripping,
// UTF-8 → UTF-16, NFKC (case-fold) normalization, word breaking and classification.
// All-ASCII stretches of text skip ICU and use an exact re-implementation of ICU's
// word-break rules for ASCII (checked against ICU by fuzzing and on IMDB reviews).
// Counting and vocabulary look-ups also happen in C (`TokenTable`), without a Swift
// string per token.
