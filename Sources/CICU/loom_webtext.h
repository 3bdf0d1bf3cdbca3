// Recognizers for the parts of web review text that word breaking would tear apart:
// HTML character references (`&amp;`, `&#39;`, `&#x2019;`), emoticons (`:)`, `:-(`,
// `<3`, `^_^`) and URLs (`http://…`, `https://…`, `www.…`). Internal to CICU; used by
// loom_icu.c when the tokenizer is opened with LOOM_WT_WEB_TEXT.
#ifndef LOOM_WEBTEXT_H
#define LOOM_WEBTEXT_H

#include <stdint.h>

/// Length in bytes of the HTML character reference starting at `s[i] == '&'`, storing the
/// code point it stands for in `*codepoint`; 0 when none starts there. Decimal and
/// hexadecimal references follow HTML5: 0x80–0x9F are read as Windows-1252 (`&#146;` is
/// ’), 0, surrogates and values past U+10FFFF become U+FFFD. Named references: the ones
/// review text uses (a table of about 50, HTML5's names, case-sensitive). The closing ';'
/// is required.
int32_t loom_entity_at(const uint8_t *s, int32_t i, int32_t n, int32_t *codepoint);

static inline int loom_web_is_alnum(uint32_t c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int loom_web_lower(uint32_t c) { return (c >= 'A' && c <= 'Z') ? (int)(c + 32) : (int)c; }

// Characters a URL may hold (RFC 3986's unreserved, reserved and '%'); it ends at
// whitespace, a non-ASCII character or one of < > " { } | \ ^ `.
static inline int loom_web_is_url_char(uint32_t c) {
    if (c <= 0x20 || c >= 0x7F) return 0;
    switch (c) {
    case '<': case '>': case '"': case '{': case '}': case '|': case '\\': case '^': case '`': return 0;
    default: return 1;
    }
}

// Defines `name(s, i, n)`: the length of the emoticon or URL that starts at s[i] (text
// already lower-cased or case-folded, or not: letters match either case), or 0.
// The caller also requires the match to end at a word-break boundary.
//
// Emoticons: eyes ':' (any mouth below), ';' or '=' (mouths ) ( d p), an optional nose
// '-' or tear '\'', and a mouth ) ( d p o | * [ ] / \ — ')' and '(' may repeat (":)))");
// '/' and '\' must not be followed by another slash (so "http://" is no emoticon). Hearts
// "<3", "</3" ('3' may repeat). Kaomoji ^_^ ^^ ^.^ ^-^ -_- -.- >_< >.< ;_;. A match
// followed by a letter or digit is none (":Design", ":path", "<3rd").
//
// URLs: "http://", "https://" or "www." and a letter or digit, then URL characters;
// trailing . , ; : ! ? ' " * are not part of it, nor a closing ')' or ']' without its
// opening one inside ("(see http://x.org)").
#define LOOM_DEFINE_WEB_TOKEN(name, CharType)                                                        \
    static inline int32_t name##_prefix(const CharType *s, int32_t i, int32_t n, const char *p) {   \
        int32_t j = i;                                                                           \
        for (; *p; p++, j++) {                                                                   \
            if (j >= n || loom_web_lower(s[j]) != *p) return 0;                                  \
        }                                                                                        \
        return j - i;                                                                            \
    }                                                                                            \
    static inline int32_t name##_url(const CharType *s, int32_t i, int32_t n) {                     \
        int32_t scheme = name##_prefix(s, i, n, "https://");                                     \
        if (!scheme) scheme = name##_prefix(s, i, n, "http://");                                 \
        if (!scheme) scheme = name##_prefix(s, i, n, "www.");                                    \
        if (!scheme) return 0;                                                                   \
        int32_t rest = i + scheme, j = rest;                                                     \
        if (j >= n || !loom_web_is_alnum(s[j])) return 0;                                        \
        int32_t parens = 0, brackets = 0;                                                        \
        for (; j < n && loom_web_is_url_char(s[j]); j++) {                                       \
            parens += s[j] == '(' ? 1 : s[j] == ')' ? -1 : 0;                                    \
            brackets += s[j] == '[' ? 1 : s[j] == ']' ? -1 : 0;                                  \
        }                                                                                        \
        while (j > rest) {                                                                       \
            CharType last = s[j - 1];                                                            \
            if (last == '.' || last == ',' || last == ';' || last == ':' || last == '!' || last == '?' || \
                last == '\'' || last == '"' || last == '*') { j--; continue; }                   \
            if (last == ')' && parens < 0) { parens++; j--; continue; }                          \
            if (last == ']' && brackets < 0) { brackets++; j--; continue; }                      \
            break;                                                                               \
        }                                                                                        \
        return j - i;                                                                            \
    }                                                                                            \
    static inline int32_t name##_emoticon(const CharType *s, int32_t i, int32_t n) {                \
        static const char *const kaomoji[] = {"^_^", "^^", "^.^", "^-^", "-_-", "-.-", ">_<", ">.<", ";_;"}; \
        CharType c = s[i];                                                                       \
        int32_t j = i;                                                                           \
        for (unsigned k = 0; k < sizeof(kaomoji) / sizeof(kaomoji[0]) && j == i; k++) {          \
            j = i + name##_prefix(s, i, n, kaomoji[k]);                                          \
        }                                                                                        \
        if (j > i) {                                                                             \
            /* a kaomoji */                                                                      \
        } else if (c == '<') {                                                                   \
            j = i + 1;                                                                           \
            if (j < n && s[j] == '/') j++;                                                       \
            if (j >= n || s[j] != '3') return 0;                                                 \
            while (j < n && s[j] == '3') j++;                                                    \
        } else if (c == ':' || c == ';' || c == '=') {                                           \
            j = i + 1;                                                                           \
            if (j < n && (s[j] == '-' || s[j] == '\'')) j++;                                     \
            if (j >= n) return 0;                                                                \
            int mouth = loom_web_lower(s[j]);                                                    \
            int anyEyes = c == ':';                                                              \
            if (mouth == ')' || mouth == '(') {                                                  \
                while (j < n && s[j] == (CharType)mouth) j++;                                    \
            } else if (mouth == 'd' || mouth == 'p') {                                           \
                j++;                                                                             \
            } else if (anyEyes && (mouth == 'o' || mouth == '|' || mouth == '*' || mouth == '[' || mouth == ']')) { \
                j++;                                                                             \
            } else if (anyEyes && (mouth == '/' || mouth == '\\')) {                             \
                j++;                                                                             \
                if (j < n && (s[j] == '/' || s[j] == '\\')) return 0;                            \
            } else {                                                                             \
                return 0;                                                                        \
            }                                                                                    \
        } else {                                                                                 \
            return 0;                                                                            \
        }                                                                                        \
        if (j < n && loom_web_is_alnum(s[j])) return 0;                                          \
        return j - i;                                                                            \
    }                                                                                            \
    static inline int32_t name(const CharType *s, int32_t i, int32_t n) {                           \
        switch (s[i]) {                                                                          \
        case ':': case ';': case '=': case '<': case '^': case '-': case '>':                    \
            return name##_emoticon(s, i, n);                                                     \
        case 'h': case 'H': case 'w': case 'W':                                                  \
            return name##_url(s, i, n);                                                          \
        default:                                                                                 \
            return 0;                                                                            \
        }                                                                                        \
    }

#endif
