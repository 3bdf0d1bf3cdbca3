// Grapheme cluster (extended grapheme cluster, UAX #29) boundaries of UTF-8 text with
// ICU's character break iterator, run on the UTF-8 bytes directly (UText, no UTF-16
// copy). See include/loom_icu.h.
#include "loom_icu.h"

#include <stdlib.h>

#include <unicode/ubrk.h>
#include <unicode/utext.h>

struct LoomGraphemeBreaker {
    UBreakIterator *breaker;
    uint32_t flags;
    int32_t *ends;      // end offset of each cluster of the last run
    int32_t capacity;   // in int32 values
};

LoomGraphemeBreaker *loom_graphemes_open(uint32_t flags, int32_t *status) {
    UErrorCode error = U_ZERO_ERROR;
    LoomGraphemeBreaker *g = calloc(1, sizeof(LoomGraphemeBreaker));
    if (g == NULL) { *status = U_MEMORY_ALLOCATION_ERROR; return NULL; }
    g->flags = flags;
    g->breaker = ubrk_open(UBRK_CHARACTER, "", NULL, 0, &error);
    if (U_FAILURE(error)) {
        *status = (int32_t)error;
        loom_graphemes_close(g);
        return NULL;
    }
    *status = 0;
    return g;
}

void loom_graphemes_close(LoomGraphemeBreaker *g) {
    if (g == NULL) return;
    if (g->breaker) ubrk_close(g->breaker);
    free(g->ends);
    free(g);
}

// Between two ASCII characters every grapheme rule but GB3 (CR x LF) breaks: the other
// rules (Hangul, Extend, ZWJ, SpacingMark, Prepend, emoji, regional indicators) concern
// only non-ASCII characters. So an ASCII byte followed by an ASCII byte (or the end) ends
// a cluster without asking ICU, and ICU is asked (`ubrk_following`) only where a
// non-ASCII character follows.
int32_t loom_graphemes_run(LoomGraphemeBreaker *g, const char *utf8, int32_t n, const int32_t **ends, int32_t *status) {
    *status = 0;
    *ends = NULL;
    if (n <= 0) return 0;
    if (n > g->capacity) {
        // at most one cluster per byte
        int32_t *grown = realloc(g->ends, (size_t)n * sizeof(int32_t));
        if (grown == NULL) { *status = U_MEMORY_ALLOCATION_ERROR; return -1; }
        g->ends = grown;
        g->capacity = n;
    }
    const uint8_t *s = (const uint8_t *)utf8;
    int fast = (g->flags & LOOM_GR_NO_ASCII_FAST_PATH) == 0;
    UErrorCode error = U_ZERO_ERROR;
    UText text = UTEXT_INITIALIZER;
    int textSet = 0;
    int32_t count = 0;
    for (int32_t i = 0; i < n;) {
        int32_t end;
        if (fast && s[i] < 0x80 && (i + 1 == n || s[i + 1] < 0x80)) {
            end = (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') ? i + 2 : i + 1;
        } else {
            if (!textSet) {
                utext_openUTF8(&text, utf8, n, &error);
                ubrk_setUText(g->breaker, &text, &error);
                if (U_FAILURE(error)) break;
                textSet = 1;
            }
            end = ubrk_following(g->breaker, i);
            if (end == UBRK_DONE || end <= i) end = n;  // cannot happen for i < n; never loop
        }
        g->ends[count++] = end;
        i = end;
    }
    if (textSet) {
        // The iterator keeps a shallow clone of `text`: detach it before `text` goes away.
        UErrorCode ignored = U_ZERO_ERROR;
        ubrk_setText(g->breaker, NULL, 0, &ignored);
        utext_close(&text);
    }
    if (U_FAILURE(error)) {
        *status = (int32_t)error;
        return -1;
    }
    *ends = g->ends;
    return count;
}
