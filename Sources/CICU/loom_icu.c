// ICU word tokenizer: markup stripping, NFKC (case-fold) normalization, UAX #29 word
// breaking and segment classification in one pass per text. See include/loom_icu.h.
#include "loom_icu.h"
#include "loom_tokentable.h"
#include "loom_webtext.h"

#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/uversion.h>

struct LoomWordTokenizer {
    UBreakIterator *breaker;
    const UNormalizer2 *normalizer;
    uint32_t flags;
    UChar *source;      // UTF-16 after markup stripping (and ASCII lower-casing)
    int32_t sourceCapacity;
    UChar *normalized;  // UTF-16 after NFKC (case-fold)
    int32_t normalizedCapacity;
    uint8_t *bytes;     // kept tokens, UTF-8, concatenated
    int32_t bytesCapacity;
    int32_t *spans;     // (offset, length) pairs into bytes
    int32_t spansCapacity;  // in int32 values
    int32_t *ids;       // token ids of loom_wordtok_lookup
    int32_t idsCapacity;
};

static int grow(void **buffer, int32_t *capacity, int32_t needed, size_t elementSize) {
    if (needed <= *capacity) return 1;
    int32_t newCapacity = *capacity > 0 ? *capacity : 256;
    while (newCapacity < needed) {
        if (newCapacity > INT32_MAX / 2) { newCapacity = needed; break; }
        newCapacity *= 2;
    }
    void *grown = realloc(*buffer, (size_t)newCapacity * elementSize);
    if (grown == NULL) return 0;
    *buffer = grown;
    *capacity = newCapacity;
    return 1;
}

LoomWordTokenizer *loom_wordtok_open(uint32_t flags, const char *locale, int32_t *status) {
    UErrorCode error = U_ZERO_ERROR;
    LoomWordTokenizer *t = calloc(1, sizeof(LoomWordTokenizer));
    if (t == NULL) { *status = U_MEMORY_ALLOCATION_ERROR; return NULL; }
    t->flags = flags;
    t->normalizer = (flags & LOOM_WT_CASEFOLD) ? unorm2_getNFKCCasefoldInstance(&error)
                                               : unorm2_getNFKCInstance(&error);
    if (U_SUCCESS(error)) {
        t->breaker = ubrk_open(UBRK_WORD, (locale && *locale) ? locale : "", NULL, 0, &error);
    }
    if (U_FAILURE(error)) {
        *status = (int32_t)error;
        loom_wordtok_close(t);
        return NULL;
    }
    *status = 0;
    return t;
}

void loom_wordtok_close(LoomWordTokenizer *t) {
    if (t == NULL) return;
    if (t->breaker) ubrk_close(t->breaker);
    free(t->source);
    free(t->normalized);
    free(t->bytes);
    free(t->spans);
    free(t->ids);
    free(t);
}

const uint8_t *loom_wordtok_bytes(const LoomWordTokenizer *t) { return t->bytes; }
const int32_t *loom_wordtok_spans(const LoomWordTokenizer *t) { return t->spans; }

const char *loom_icu_error_name(int32_t status) { return u_errorName((UErrorCode)status); }

const char *loom_icu_version(void) { return U_ICU_VERSION; }

// Length of a markup tag starting at utf8[i] == '<', or 0 when it is not a tag.
// A tag is '<' followed by a letter, '/', '!' or '?', up to the next '>' within 512
// bytes, with no '<' in between ("a < b" and "<3" are left alone).
static int32_t markup_length(const uint8_t *s, int32_t i, int32_t n) {
    if (i + 1 >= n) return 0;
    uint8_t c = s[i + 1];
    int opens = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '!' || c == '?';
    if (!opens) return 0;
    int32_t limit = n < i + 512 ? n : i + 512;
    for (int32_t j = i + 2; j < limit; j++) {
        if (s[j] == '>') return j - i + 1;
        if (s[j] == '<') return 0;
    }
    return 0;
}

// The next ASCII byte at s[*i], advancing *i: a markup tag becomes one space (when
// stripping), a character reference for an ASCII character becomes that character (when
// decoding entities; the caller handles the others), A–Z become a–z (when case folding).
static inline uint8_t next_ascii(const uint8_t *s, int32_t *i, int32_t n, int strip, int entities, int lower) {
    uint8_t b = s[*i];
    if (b == '<' && strip) {
        int32_t m = markup_length(s, *i, n);
        if (m > 0) { *i += m; return ' '; }
    }
    if (b == '&' && entities) {
        int32_t c = 0;
        int32_t m = loom_entity_at(s, *i, n, &c);
        if (m > 0 && c < 0x80) { *i += m; b = (uint8_t)c; }
        else *i += 1;
    } else {
        *i += 1;
    }
    return (lower && b >= 'A' && b <= 'Z') ? (uint8_t)(b + 32) : b;
}

// Whether HTML character references are decoded: in web-text mode, with markup stripping.
static inline int decodes_entities(uint32_t flags) {
    return (flags & LOOM_WT_STRIP_MARKUP) && (flags & LOOM_WT_WEB_TEXT);
}

// UTF-8 → UTF-16 with optional markup stripping, entity decoding and ASCII lower-casing.
// Returns the UTF-16 length; sets *nonASCII and *zwj when such characters occur.
// Malformed input (not produced by Swift strings) becomes U+FFFD.
static int32_t decode_utf8(LoomWordTokenizer *t, const uint8_t *s, int32_t n, int *nonASCII, int *zwj) {
    UChar *out = t->source;
    int32_t o = 0;
    int strip = (t->flags & LOOM_WT_STRIP_MARKUP) != 0;
    int lower = (t->flags & LOOM_WT_CASEFOLD) != 0;
    int entities = decodes_entities(t->flags);
    int32_t i = 0;
    while (i < n) {
        uint8_t b = s[i];
        UChar32 c = 0xFFFD;
        if (b == '&' && entities) {
            int32_t m = loom_entity_at(s, i, n, &c);
            if (m > 0 && c >= 0x80) {  // a reference for a non-ASCII character (ASCII ones: next_ascii)
                *nonASCII = 1;
                i += m;
                goto append;
            }
        }
        if (b < 0x80) {
            out[o++] = next_ascii(s, &i, n, strip, entities, lower);
            continue;
        }
        *nonASCII = 1;
        int32_t need = 0;
        if (b >= 0xC2 && b <= 0xDF) { need = 1; c = b & 0x1F; }
        else if (b >= 0xE0 && b <= 0xEF) { need = 2; c = b & 0x0F; }
        else if (b >= 0xF0 && b <= 0xF4) { need = 3; c = b & 0x07; }
        if (need == 0 || i + need >= n) {
            // invalid lead byte or truncated sequence
            out[o++] = 0xFFFD;
            i++;
            continue;
        }
        int ok = 1;
        for (int32_t k = 1; k <= need; k++) {
            uint8_t cb = s[i + k];
            if ((cb & 0xC0) != 0x80) { ok = 0; break; }
            c = (c << 6) | (cb & 0x3F);
        }
        if (!ok || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) || (need == 2 && c < 0x800) ||
            (need == 3 && c < 0x10000)) {
            out[o++] = 0xFFFD;
            i++;
            continue;
        }
        i += need + 1;
    append:
        if (c == 0x200D) *zwj = 1;
        if (c == 0x2019) c = '\'';  // typographic apostrophe: "didn’t" == "didn't"

        if (c <= 0xFFFF) {
            out[o++] = (UChar)c;
        } else {
            out[o++] = U16_LEAD(c);
            out[o++] = U16_TRAIL(c);
        }
    }
    return o;
}

// Normalizes source[start, end) and appends it to t->normalized at *length.
static int normalize_append(LoomWordTokenizer *t, int32_t start, int32_t end, int32_t *length, UErrorCode *error) {
    if (end <= start) return 1;
    for (;;) {
        UErrorCode e = U_ZERO_ERROR;
        int32_t room = t->normalizedCapacity - *length;
        int32_t produced = unorm2_normalize(t->normalizer, t->source + start, end - start,
                                            t->normalized + *length, room, &e);
        if (e == U_BUFFER_OVERFLOW_ERROR || e == U_STRING_NOT_TERMINATED_WARNING) {
            if (!grow((void **)&t->normalized, &t->normalizedCapacity, *length + produced + 1, sizeof(UChar))) {
                *error = U_MEMORY_ALLOCATION_ERROR;
                return 0;
            }
            continue;
        }
        if (U_FAILURE(e)) { *error = e; return 0; }
        *length += produced;
        return 1;
    }
}

static int is_emoji_start(UChar32 c) {
    return c >= 0x80 && (u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC) ||
                         u_hasBinaryProperty(c, UCHAR_REGIONAL_INDICATOR));
}

// Characters that continue an emoji sequence: variation selectors, skin-tone
// modifiers, tag characters, the combining keycap.
static int is_emoji_component(UChar32 c) {
    return c == 0xFE0F || c == 0xFE0E || c == 0x20E3 || (c >= 0x1F3FB && c <= 0x1F3FF) ||
           (c >= 0xE0020 && c <= 0xE007F);
}

// NFKC_Casefold deletes ZERO WIDTH JOINER and variation selectors (they are default
// ignorable), which would split emoji ZWJ sequences such as 👩‍💻 into several emoji.
// When the text has a ZWJ, emoji ZWJ sequences are copied verbatim and only the text
// between them is normalized.
static int normalize_protecting_zwj_sequences(LoomWordTokenizer *t, int32_t from, int32_t n, int32_t *length, UErrorCode *error) {
    const UChar *s = t->source;
    int32_t runStart = from, i = from;
    while (i < n) {
        int32_t start = i;
        UChar32 c;
        U16_NEXT(s, i, n, c);
        if (!is_emoji_start(c)) continue;
        int32_t j = i;
        while (j < n) { int32_t k = j; UChar32 d; U16_NEXT(s, k, n, d); if (!is_emoji_component(d)) break; j = k; }
        int joined = 0;
        while (j < n && s[j] == 0x200D) {
            int32_t k = j + 1;
            if (k >= n) break;
            UChar32 d;
            U16_NEXT(s, k, n, d);
            if (!is_emoji_start(d)) break;
            joined = 1;
            j = k;
            while (j < n) { int32_t m = j; UChar32 e; U16_NEXT(s, m, n, e); if (!is_emoji_component(e)) break; j = m; }
        }
        if (joined) {
            if (!normalize_append(t, runStart, start, length, error)) return 0;
            int32_t count = j - start;
            if (!grow((void **)&t->normalized, &t->normalizedCapacity, *length + count + 1, sizeof(UChar))) {
                *error = U_MEMORY_ALLOCATION_ERROR;
                return 0;
            }
            memcpy(t->normalized + *length, s + start, (size_t)count * sizeof(UChar));
            *length += count;
            runStart = j;
        }
        i = j;
    }
    return normalize_append(t, runStart, n, length, error);
}

// Appends text[start, end) as UTF-8 token.
static int append_token(LoomWordTokenizer *t, const UChar *text, int32_t start, int32_t end,
                        int32_t *byteLength, int32_t *count) {
    if (!grow((void **)&t->bytes, &t->bytesCapacity, *byteLength + 3 * (end - start), 1)) return 0;
    if (!grow((void **)&t->spans, &t->spansCapacity, 2 * (*count + 1), sizeof(int32_t))) return 0;
    uint8_t *out = t->bytes;
    int32_t o = *byteLength;
    int32_t i = start;
    while (i < end) {
        UChar32 c;
        U16_NEXT(text, i, end, c);
        if (c < 0x80) {
            out[o++] = (uint8_t)c;
        } else if (c < 0x800) {
            out[o++] = (uint8_t)(0xC0 | (c >> 6));
            out[o++] = (uint8_t)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD;  // lone surrogate
            out[o++] = (uint8_t)(0xE0 | (c >> 12));
            out[o++] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (uint8_t)(0x80 | (c & 0x3F));
        } else {
            out[o++] = (uint8_t)(0xF0 | (c >> 18));
            out[o++] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
            out[o++] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (uint8_t)(0x80 | (c & 0x3F));
        }
    }
    t->spans[2 * *count] = *byteLength;
    t->spans[2 * *count + 1] = o - *byteLength;
    *byteLength = o;
    *count += 1;
    return 1;
}

// Extend, Format and ZWJ: the characters that word-break rule WB4 attaches to the
// character before them.
static int is_word_break_ignorable(UChar32 c) {
    int32_t value = u_getIntPropertyValue(c, UCHAR_WORD_BREAK);
    return value == U_WB_EXTEND || value == U_WB_FORMAT || value == U_WB_ZWJ;
}

// Whether a segment that ICU gave rule status 0 (not a word) is kept: when it holds an
// emoji, or (with keepPunctuation) when its base is visible. The base is its first
// character that is not Extend, Format or ZWJ: a segment starts with those only at the
// start of the text or after a line break, and one made only of them has no base.
// An emoji may sit anywhere after a ZWJ (WB3c: ZWJ x Extended_Pictographic), as in
// "\u200D⌚" at the start of a text.
static int keep_other_segment(const UChar *text, int32_t start, int32_t end, int keepPunctuation) {
    for (int32_t k = start; k + 1 < end; k++) {
        if (text[k] != 0x200D) continue;
        int32_t m = k + 1;
        UChar32 d;
        U16_NEXT(text, m, end, d);
        if (is_emoji_start(d)) return 1;
    }
    UChar32 c;
    int32_t i = start;
    do {
        if (i >= end) return 0;
        U16_NEXT(text, i, end, c);
    } while (c >= 0x80 && is_word_break_ignorable(c));
    if (c < 0x80) {
        if (!keepPunctuation) return 0;
        return c > 0x20 && c != 0x7F;
    }
    if (is_emoji_start(c)) return 1;
    if (!keepPunctuation) return 0;
    if (u_isUWhiteSpace(c)) return 0;
    int8_t type = u_charType(c);
    return type != U_CONTROL_CHAR && type != U_FORMAT_CHAR && type != U_UNASSIGNED &&
           type != U_NON_SPACING_MARK && type != U_ENCLOSING_MARK;
}

// Word-break classes of ASCII characters in ICU 72's word rules (UAX #29 as tailored
// by ICU's root rules: '@' is a letter, ':' is not MidLetter).
enum { A_OTHER, A_LETTER, A_DIGIT, A_EXTEND_NUM_LET, A_MID_NUM_LET, A_MID_NUM, A_SPACE };

static const uint8_t ascii_classes[128] = {
    [0 ... 32] = A_SPACE, ['\''] = A_MID_NUM_LET, [','] = A_MID_NUM, ['.'] = A_MID_NUM_LET,
    ['0' ... '9'] = A_DIGIT, [';'] = A_MID_NUM, ['@' ... 'Z'] = A_LETTER, ['_'] = A_EXTEND_NUM_LET,
    ['a' ... 'z'] = A_LETTER, [127] = A_SPACE,
};

static inline int ascii_class(unsigned c) { return ascii_classes[c & 0x7F]; }

// One segment of all-ASCII text, exactly as ICU's word-break rules cut it (WB5–WB13b;
// the other rules concern non-ASCII characters): the segment starting at s[i] ends at
// *end; returns whether it is kept. Words are runs of letters, digits and '_', joined
// across '.' and '\'' between letters and across '.', '\'', ',' and ';' between digits;
// a lone '_' is not a word. With keepPunctuation every other visible character is a
// token of its own. Defined for UTF-16 and for byte buffers.
#define LOOM_DEFINE_ASCII_SEGMENT(name, CharType)                                                   \
    static inline int name(const CharType *s, int32_t i, int32_t n, int keepPunctuation, int32_t *end) { \
        int first = ascii_class(s[i]);                                                              \
        if (first != A_LETTER && first != A_DIGIT && first != A_EXTEND_NUM_LET) {                   \
            *end = i + 1;                                                                           \
            return first != A_SPACE && keepPunctuation;                                             \
        }                                                                                           \
        int32_t start = i;                                                                          \
        int previous = first;                                                                       \
        i++;                                                                                        \
        while (i < n) {                                                                             \
            int k = ascii_class(s[i]);                                                              \
            if (k == A_LETTER || k == A_DIGIT || k == A_EXTEND_NUM_LET) { previous = k; i++; continue; } \
            if ((k == A_MID_NUM_LET || k == A_MID_NUM) && i + 1 < n) {                              \
                int after = ascii_class(s[i + 1]);                                                  \
                if (previous == A_LETTER && after == A_LETTER && k == A_MID_NUM_LET) { i += 2; continue; } \
                if (previous == A_DIGIT && after == A_DIGIT) { i += 2; continue; }                  \
            }                                                                                       \
            break;                                                                                  \
        }                                                                                           \
        *end = i;                                                                                   \
        return i - start > 1 || first != A_EXTEND_NUM_LET || keepPunctuation;                      \
    }

LOOM_DEFINE_ASCII_SEGMENT(ascii_segment_utf16, UChar)
LOOM_DEFINE_ASCII_SEGMENT(ascii_segment_bytes, uint8_t)
LOOM_DEFINE_WEB_TOKEN(web_token_utf16, UChar)
LOOM_DEFINE_WEB_TOKEN(web_token_bytes, uint8_t)

// Defines `name(s, i, n, webText, keepPunctuation, *end)` for all-ASCII text: the segment
// that starts at segment boundary s[i] ends at *end; returns whether it is kept. In
// web-text mode an emoticon or URL starting there is one kept segment when it ends at a
// boundary of the plain segmentation (as the ICU path requires of it).
#define LOOM_DEFINE_ASCII_TOKEN(name, CharType, segment, web)                                       \
    static inline int name(const CharType *s, int32_t i, int32_t n, int webText, int keepPunctuation, int32_t *end) { \
        int32_t special = webText ? web(s, i, n) : 0;                                              \
        if (special > 0) {                                                                         \
            int32_t boundary = i;                                                                  \
            while (boundary < i + special) segment(s, boundary, n, 1, &boundary);                  \
            if (boundary == i + special) { *end = boundary; return 1; }                            \
        }                                                                                          \
        return segment(s, i, n, keepPunctuation, end);                                             \
    }

LOOM_DEFINE_ASCII_TOKEN(ascii_token_utf16, UChar, ascii_segment_utf16, web_token_utf16)
LOOM_DEFINE_ASCII_TOKEN(ascii_token_bytes, uint8_t, ascii_segment_bytes, web_token_bytes)

// Segments all-ASCII UTF-16 text (a region of a mixed text), appending kept tokens.
static int ascii_segments(LoomWordTokenizer *t, const UChar *s, int32_t n, int keepPunctuation,
                          int32_t *byteLength, int32_t *count) {
    int webText = (t->flags & LOOM_WT_WEB_TEXT) != 0;
    for (int32_t i = 0, end = 0; i < n; i = end) {
        if (ascii_token_utf16(s, i, n, webText, keepPunctuation, &end) && !append_token(t, s, i, end, byteLength, count)) return 0;
    }
    return 1;
}

// All-ASCII input: strip markup and lower-case straight into t->bytes, then segment it
// in place; the token spans point into that buffer (no UTF-16 round trip, no copies).
static int32_t ascii_run(LoomWordTokenizer *t, const uint8_t *s, int32_t n, int32_t *status) {
    if (!grow((void **)&t->bytes, &t->bytesCapacity, n + 1, 1)) {
        *status = U_MEMORY_ALLOCATION_ERROR;
        return -1;
    }
    uint8_t *text = t->bytes;
    int strip = (t->flags & LOOM_WT_STRIP_MARKUP) != 0;
    int lower = (t->flags & LOOM_WT_CASEFOLD) != 0;
    int entities = decodes_entities(t->flags);
    int32_t length = 0;
    for (int32_t i = 0; i < n;) text[length++] = next_ascii(s, &i, n, strip, entities, lower);
    int keepPunctuation = (t->flags & LOOM_WT_KEEP_PUNCTUATION) != 0;
    int webText = (t->flags & LOOM_WT_WEB_TEXT) != 0;
    int32_t count = 0;
    for (int32_t i = 0, end = 0; i < length; i = end) {
        if (!ascii_token_bytes(text, i, length, webText, keepPunctuation, &end)) continue;
        if (!grow((void **)&t->spans, &t->spansCapacity, 2 * (count + 1), sizeof(int32_t))) {
            *status = U_MEMORY_ALLOCATION_ERROR;
            return -1;
        }
        t->spans[2 * count] = i;
        t->spans[2 * count + 1] = end - i;
        count++;
    }
    return count;
}

// Whether the text is all ASCII and stays so after entity decoding (when `entities`).
static int is_all_ascii(const uint8_t *s, int32_t n, int entities) {
    uint8_t any = 0;
    for (int32_t i = 0; i < n; i++) any |= s[i];
    if (any >= 0x80) return 0;
    if (!entities) return 1;
    for (const uint8_t *amp = memchr(s, '&', (size_t)n); amp != NULL;
         amp = memchr(amp + 1, '&', (size_t)(n - (amp + 1 - s)))) {
        int32_t c = 0;
        if (loom_entity_at(s, (int32_t)(amp - s), n, &c) > 0 && c >= 0x80) return 0;
    }
    return 1;
}

// Normalizes source[start, end) into t->normalized (from its beginning), protecting
// emoji ZWJ sequences when the text has a ZWJ. Returns the normalized length or -1.
static int32_t normalize_region(LoomWordTokenizer *t, int32_t start, int32_t end, int zwj, UErrorCode *error) {
    int32_t length = 0;
    int32_t n = end - start;
    if (!grow((void **)&t->normalized, &t->normalizedCapacity, n + n / 2 + 16, sizeof(UChar))) {
        *error = U_MEMORY_ALLOCATION_ERROR;
        return -1;
    }
    int ok = zwj ? normalize_protecting_zwj_sequences(t, start, end, &length, error)
                 : normalize_append(t, start, end, &length, error);
    return ok ? length : -1;
}

// Segments text[0, length) with ICU's break iterator and appends the kept tokens.
static int icu_segments(LoomWordTokenizer *t, const UChar *text, int32_t length, int keepPunctuation,
                        int32_t *byteLength, int32_t *count, UErrorCode *error) {
    ubrk_setText(t->breaker, text, length, error);
    if (U_FAILURE(*error)) return 0;
    int webText = (t->flags & LOOM_WT_WEB_TEXT) != 0;
    int32_t start = ubrk_first(t->breaker);
    for (int32_t end = ubrk_next(t->breaker); end != UBRK_DONE; start = end, end = ubrk_next(t->breaker)) {
        // In web-text mode an emoticon or URL starting here is one token when it ends at a boundary.
        int32_t special = webText ? web_token_utf16(text, start, length) : 0;
        if (special > 0) {
            if (ubrk_isBoundary(t->breaker, start + special)) {
                if (!append_token(t, text, start, start + special, byteLength, count)) {
                    *error = U_MEMORY_ALLOCATION_ERROR;
                    return 0;
                }
                end = start + special;
                continue;
            }
            ubrk_following(t->breaker, start);  // back to `end`, with its rule status
        }
        int32_t rule = ubrk_getRuleStatus(t->breaker);
        int keep = (rule >= UBRK_WORD_NUMBER && rule < UBRK_WORD_IDEO_LIMIT) ||
                   keep_other_segment(text, start, end, keepPunctuation);
        if (keep && !append_token(t, text, start, end, byteLength, count)) {
            *error = U_MEMORY_ALLOCATION_ERROR;
            return 0;
        }
    }
    // Drop the reference to our buffer so a later reallocation cannot leave ICU dangling.
    UErrorCode ignored = U_ZERO_ERROR;
    ubrk_setText(t->breaker, NULL, 0, &ignored);
    return 1;
}

// Segments source[start, end): with the ASCII fast path when the region is all ASCII,
// else normalized and through ICU.
static int segment_region(LoomWordTokenizer *t, int32_t start, int32_t end, int ascii, int zwj,
                          int32_t *byteLength, int32_t *count, UErrorCode *error) {
    int keepPunctuation = (t->flags & LOOM_WT_KEEP_PUNCTUATION) != 0;
    if (end <= start) return 1;
    if (ascii) {
        if (ascii_segments(t, t->source + start, end - start, keepPunctuation, byteLength, count)) return 1;
        *error = U_MEMORY_ALLOCATION_ERROR;
        return 0;
    }
    int32_t length = normalize_region(t, start, end, zwj, error);
    if (length < 0) return 0;
    return icu_segments(t, t->normalized, length, keepPunctuation, byteLength, count, error);
}

int32_t loom_wordtok_run(LoomWordTokenizer *t, const char *utf8, int32_t n, int32_t *status) {
    UErrorCode error = U_ZERO_ERROR;
    *status = 0;
    if (!grow((void **)&t->bytes, &t->bytesCapacity, 16, 1) ||
        !grow((void **)&t->spans, &t->spansCapacity, 16, sizeof(int32_t))) {
        *status = U_MEMORY_ALLOCATION_ERROR;
        return -1;
    }
    if (!(t->flags & LOOM_WT_NO_ASCII_FAST_PATH) && is_all_ascii((const uint8_t *)utf8, n, decodes_entities(t->flags))) {
        return ascii_run(t, (const uint8_t *)utf8, n, status);
    }
    if (!grow((void **)&t->source, &t->sourceCapacity, n + 1, sizeof(UChar))) {
        *status = U_MEMORY_ALLOCATION_ERROR;
        return -1;
    }
    int nonASCII = 0, zwj = 0;
    int32_t length = decode_utf8(t, (const uint8_t *)utf8, n, &nonASCII, &zwj);
    int32_t byteLength = 0, count = 0;
    int ok;
    if (t->flags & LOOM_WT_NO_ASCII_FAST_PATH) {
        ok = segment_region(t, 0, length, 0, zwj, &byteLength, &count, &error);
    } else if (!nonASCII) {
        ok = segment_region(t, 0, length, 1, 0, &byteLength, &count, &error);
    } else {
        // Mixed text: cut it into pieces at every position where a space or line feed is
        // followed by a visible ASCII character. No word-break rule joins across such a position and
        // normalization cannot change across it, so each piece segments on its own: runs
        // of all-ASCII pieces take the fast path, the others ICU.
        const UChar *s = t->source;
        int32_t regionStart = 0, pieceStart = 0;
        int regionASCII = 1, pieceASCII = 1;
        ok = 1;
        for (int32_t i = 0; i <= length && ok; i++) {
            int cut = i == length || (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\n') && s[i] > ' ' && s[i] < 0x7F);
            if (cut && i > pieceStart) {
                if (pieceASCII != regionASCII && pieceStart > regionStart) {
                    ok = segment_region(t, regionStart, pieceStart, regionASCII, zwj, &byteLength, &count, &error);
                    regionStart = pieceStart;
                }
                regionASCII = pieceASCII;
                pieceStart = i;
                pieceASCII = 1;
            }
            if (i < length && s[i] >= 0x80) pieceASCII = 0;
        }
        if (ok) ok = segment_region(t, regionStart, length, regionASCII, zwj, &byteLength, &count, &error);
    }
    if (!ok) {
        *status = (int32_t)error;
        return -1;
    }
    return count;
}

int32_t loom_wordtok_normalize(LoomWordTokenizer *t, const char *utf8, int32_t n, int32_t *status) {
    UErrorCode error = U_ZERO_ERROR;
    *status = 0;
    if (!grow((void **)&t->source, &t->sourceCapacity, n + 1, sizeof(UChar)) ||
        !grow((void **)&t->bytes, &t->bytesCapacity, 16, 1) ||
        !grow((void **)&t->spans, &t->spansCapacity, 16, sizeof(int32_t))) {
        *status = U_MEMORY_ALLOCATION_ERROR;
        return -1;
    }
    uint32_t flags = t->flags;
    t->flags &= ~(uint32_t)LOOM_WT_STRIP_MARKUP;
    int nonASCII = 0, zwj = 0;
    int32_t length = decode_utf8(t, (const uint8_t *)utf8, n, &nonASCII, &zwj);
    t->flags = flags;
    int32_t normalized = normalize_region(t, 0, length, zwj, &error);
    if (normalized < 0) {
        *status = (int32_t)error;
        return -1;
    }
    int32_t byteLength = 0, count = 0;
    if (normalized > 0 && !append_token(t, t->normalized, 0, normalized, &byteLength, &count)) {
        *status = U_MEMORY_ALLOCATION_ERROR;
        return -1;
    }
    return byteLength;
}

int32_t loom_markup_length(const uint8_t *utf8, int32_t offset, int32_t length) {
    if (offset < 0 || offset >= length || utf8[offset] != '<') return 0;
    return markup_length(utf8, offset, length);
}

int32_t loom_wordtok_count(LoomWordTokenizer *t, const char *utf8, int32_t n, LoomTokenTable *table, int32_t *status) {
    int32_t count = loom_wordtok_run(t, utf8, n, status);
    if (count > 0 && !loom_table_count_spans(table, t->bytes, t->spans, count)) {
        *status = U_MEMORY_ALLOCATION_ERROR;
        return -1;
    }
    return count;
}

int32_t loom_wordtok_lookup(LoomWordTokenizer *t, const char *utf8, int32_t n, const LoomTokenTable *table,
                            int32_t unknown_id, const int32_t **ids, int32_t *status) {
    int32_t count = loom_wordtok_run(t, utf8, n, status);
    if (count < 0) return -1;
    if (!grow((void **)&t->ids, &t->idsCapacity, count + 1, sizeof(int32_t))) {
        *status = U_MEMORY_ALLOCATION_ERROR;
        return -1;
    }
    loom_table_lookup_spans(table, t->bytes, t->spans, count, unknown_id, t->ids);
    *ids = t->ids;
    return count;
}

int32_t loom_html_entity(const uint8_t *utf8, int32_t offset, int32_t length, int32_t *codepoint) {
    return loom_entity_at(utf8, offset, length, codepoint);
}
