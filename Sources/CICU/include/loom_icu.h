// Stable, plain-named C API over ICU's version-renamed symbols (ubrk_open_72 …).
//
// Swift cannot call ICU's C functions directly because ICU renames every symbol per
// release. This shim includes ICU's headers (which map the plain names to the renamed
// ones) and exports a small, ICU-version-independent API for Loom's word tokenizer.
//
// The hot loop (markup stripping, UTF-8 → UTF-16, NFKC (case-fold) normalization,
// word breaking, segment classification and UTF-16 → UTF-8 of kept tokens) runs here,
// once per text, so Swift never touches individual characters.
#ifndef LOOM_ICU_H
#define LOOM_ICU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Options for `loom_wordtok_open` (bit flags).
enum {
    /// Apply NFKC_Casefold (otherwise plain NFKC).
    LOOM_WT_CASEFOLD = 1,
    /// Keep punctuation and symbol segments as tokens (whitespace is always dropped).
    LOOM_WT_KEEP_PUNCTUATION = 2,
    /// Replace markup tags such as `<br />` with a space before segmenting.
    LOOM_WT_STRIP_MARKUP = 4,
    /// Always use ICU's break iterator, also for all-ASCII text (for tests that check the
    /// ASCII fast path against ICU).
    LOOM_WT_NO_ASCII_FAST_PATH = 8,
    /// Web review text: with LOOM_WT_STRIP_MARKUP, decode HTML character references
    /// (`&amp;`, `&#39;`, `&rsquo;`); keep emoticons (`:)`, `:-(`, `<3`, `^_^`) and URLs
    /// (`http://…`, `https://…`, `www.…`) as single tokens, punctuation kept or not.
    LOOM_WT_WEB_TEXT = 16,
};

/// Opaque word tokenizer: one ICU word-break iterator plus reusable buffers.
/// Not thread-safe: use one per thread.
typedef struct LoomWordTokenizer LoomWordTokenizer;

/// Opens a tokenizer with `flags` (LOOM_WT_*) and the ICU `locale` (NULL or "" = root).
/// On failure returns NULL and stores ICU's error code in `*status` (> 0).
LoomWordTokenizer *loom_wordtok_open(uint32_t flags, const char *locale, int32_t *status);

/// Releases the tokenizer (NULL is fine).
void loom_wordtok_close(LoomWordTokenizer *tokenizer);

/// Tokenizes `length` bytes of valid UTF-8. Returns the number of tokens, or -1 on an
/// ICU failure (code in `*status`). The tokens are then available through
/// `loom_wordtok_bytes` and `loom_wordtok_spans` until the next call.
int32_t loom_wordtok_run(LoomWordTokenizer *tokenizer, const char *utf8, int32_t length, int32_t *status);

/// UTF-8 bytes of all tokens of the last run, concatenated.
const uint8_t *loom_wordtok_bytes(const LoomWordTokenizer *tokenizer);

/// Token spans of the last run: 2 × count int32 values (byte offset, byte length) into
/// `loom_wordtok_bytes`.
const int32_t *loom_wordtok_spans(const LoomWordTokenizer *tokenizer);

/// The text `utf8` (`length` bytes) as the tokenizer normalizes it before word breaking —
/// typographic apostrophe read as "'", NFKC (case-folded with LOOM_WT_CASEFOLD), emoji ZWJ
/// sequences kept — but without markup stripping, as UTF-8. Returns its byte length, or -1
/// on an ICU failure (code in `*status`); the bytes are in `loom_wordtok_bytes` until the
/// next call. Used to map tokens back to where they came from in the original text.
int32_t loom_wordtok_normalize(LoomWordTokenizer *tokenizer, const char *utf8, int32_t length, int32_t *status);

/// Length in bytes of the markup tag that starts at `utf8[offset]` as the tokenizer's
/// markup stripping sees it, or 0 when none starts there.
int32_t loom_markup_length(const uint8_t *utf8, int32_t offset, int32_t length);

/// Length in bytes of the HTML character reference that starts at `utf8[offset]` as the
/// tokenizer's web-text mode decodes it, storing its code point in `*codepoint`; 0 when
/// none starts there.
int32_t loom_html_entity(const uint8_t *utf8, int32_t offset, int32_t length, int32_t *codepoint);

/// Opaque grapheme cluster breaker: one ICU character break iterator plus a buffer.
/// Not thread-safe: use one per thread.
typedef struct LoomGraphemeBreaker LoomGraphemeBreaker;

/// Options for `loom_graphemes_open` (bit flags).
enum {
    /// Always ask ICU, also between two ASCII characters (for tests of the ASCII fast path).
    LOOM_GR_NO_ASCII_FAST_PATH = 1,
};

/// Opens a grapheme breaker (ICU root rules: extended grapheme clusters of UAX #29).
/// On failure returns NULL and stores ICU's error code in `*status` (> 0).
LoomGraphemeBreaker *loom_graphemes_open(uint32_t flags, int32_t *status);

/// Releases the breaker (NULL is fine).
void loom_graphemes_close(LoomGraphemeBreaker *breaker);

/// Splits `length` bytes of valid UTF-8 into extended grapheme clusters. Returns the
/// number of clusters and points `*ends` at their end byte offsets (ascending, the last
/// is `length`; valid until the next call), or -1 on an ICU failure (code in `*status`).
int32_t loom_graphemes_run(LoomGraphemeBreaker *breaker, const char *utf8, int32_t length,
                           const int32_t **ends, int32_t *status);

/// ICU's name for an error code, e.g. "U_MEMORY_ALLOCATION_ERROR".
const char *loom_icu_error_name(int32_t status);

/// ICU's version, e.g. "72.1".
const char *loom_icu_version(void);

#ifdef __cplusplus
}
#endif

#include "loom_tokentable.h"

#endif
