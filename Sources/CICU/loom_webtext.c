// HTML character references for the tokenizer's web-text mode. See loom_webtext.h.
#include "loom_webtext.h"

#include <string.h>

// Named references seen in review text, HTML5's names and code points.
static const struct { const char *name; int32_t codepoint; } named_references[] = {
    {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", 0xA0},
    {"hellip", 0x2026}, {"mdash", 0x2014}, {"ndash", 0x2013}, {"lsquo", 0x2018}, {"rsquo", 0x2019},
    {"sbquo", 0x201A}, {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"bdquo", 0x201E}, {"laquo", 0xAB},
    {"raquo", 0xBB}, {"bull", 0x2022}, {"middot", 0xB7}, {"deg", 0xB0}, {"copy", 0xA9}, {"reg", 0xAE},
    {"trade", 0x2122}, {"euro", 0x20AC}, {"pound", 0xA3}, {"cent", 0xA2}, {"yen", 0xA5}, {"times", 0xD7},
    {"divide", 0xF7}, {"frac12", 0xBD}, {"frac14", 0xBC}, {"frac34", 0xBE}, {"iexcl", 0xA1},
    {"iquest", 0xBF}, {"shy", 0xAD}, {"aacute", 0xE1}, {"agrave", 0xE0}, {"acirc", 0xE2},
    {"auml", 0xE4}, {"atilde", 0xE3}, {"aring", 0xE5}, {"aelig", 0xE6}, {"ccedil", 0xE7},
    {"eacute", 0xE9}, {"egrave", 0xE8}, {"ecirc", 0xEA}, {"euml", 0xEB}, {"iacute", 0xED},
    {"igrave", 0xEC}, {"icirc", 0xEE}, {"iuml", 0xEF}, {"ntilde", 0xF1}, {"oacute", 0xF3},
    {"ograve", 0xF2}, {"ocirc", 0xF4}, {"ouml", 0xF6}, {"otilde", 0xF5}, {"oslash", 0xF8},
    {"uacute", 0xFA}, {"ugrave", 0xF9}, {"ucirc", 0xFB}, {"uuml", 0xFC}, {"yacute", 0xFD},
    {"szlig", 0xDF}, {"Eacute", 0xC9}, {"Agrave", 0xC0}, {"Aacute", 0xC1}, {"Ccedil", 0xC7},
    {"Ntilde", 0xD1}, {"Ouml", 0xD6}, {"Uuml", 0xDC}, {"Auml", 0xC4},
};

// HTML5's reading of numeric references 0x80–0x9F (Windows-1252); 0 where it keeps the value.
static const uint16_t windows1252[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static int32_t numeric_reference(const uint8_t *s, int32_t i, int32_t n, int32_t *codepoint) {
    int32_t j = i + 2;  // after "&#"
    int hex = j < n && (s[j] == 'x' || s[j] == 'X');
    if (hex) j++;
    int32_t digitsStart = j;
    uint32_t value = 0;
    for (; j < n && j - digitsStart < 16; j++) {
        uint8_t c = s[j];
        uint32_t digit;
        if (c >= '0' && c <= '9') digit = c - '0';
        else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f') digit = (uint32_t)((c | 0x20) - 'a' + 10);
        else break;
        if (value <= 0x10FFFF) value = value * (hex ? 16 : 10) + digit;  // saturates past the range
    }
    if (j == digitsStart || j >= n || s[j] != ';') return 0;
    if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) value = 0xFFFD;
    else if (value >= 0x80 && value <= 0x9F && windows1252[value - 0x80]) value = windows1252[value - 0x80];
    *codepoint = (int32_t)value;
    return j - i + 1;
}

int32_t loom_entity_at(const uint8_t *s, int32_t i, int32_t n, int32_t *codepoint) {
    if (i < 0 || i + 3 >= n || s[i] != '&') return 0;
    if (s[i + 1] == '#') return numeric_reference(s, i, n, codepoint);
    int32_t j = i + 1;
    while (j < n && j - i <= 8 && loom_web_is_alnum(s[j])) j++;
    if (j == i + 1 || j >= n || s[j] != ';') return 0;
    size_t length = (size_t)(j - i - 1);
    for (size_t k = 0; k < sizeof(named_references) / sizeof(named_references[0]); k++) {
        const char *name = named_references[k].name;
        if (strlen(name) == length && memcmp(name, s + i + 1, length) == 0) {
            *codepoint = named_references[k].codepoint;
            return j - i + 1;
        }
    }
    return 0;
}
