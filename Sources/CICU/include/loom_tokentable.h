// A hash table of UTF-8 token strings with counts, so that counting and looking up
// tokens happens in C, next to the tokenizer, without creating a Swift string per token.
#ifndef LOOM_TOKENTABLE_H
#define LOOM_TOKENTABLE_H

#include <stdint.h>

#include "loom_icu.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Token strings with ids in insertion order (0, 1, 2 …) and a count per id.
/// Not thread-safe for writing; concurrent `loom_table_find` calls are fine.
typedef struct LoomTokenTable LoomTokenTable;

LoomTokenTable *loom_table_create(void);
void loom_table_free(LoomTokenTable *table);

/// The id of the token, inserting it (count 0) when new; -1 when out of memory.
int32_t loom_table_intern(LoomTokenTable *table, const uint8_t *bytes, int32_t length);

/// Interns the token and adds 1 to its count; returns its id or -1 when out of memory.
int32_t loom_table_increment(LoomTokenTable *table, const uint8_t *bytes, int32_t length);

/// Adds 1 to the count of each of `count` tokens given as (offset, length) `spans` into
/// `bytes`. Returns 0 when out of memory, else 1.
int loom_table_count_spans(LoomTokenTable *table, const uint8_t *bytes, const int32_t *spans, int32_t count);

/// Writes the id of each of `count` tokens (spans as above) to `ids`, `unknown_id` when absent.
void loom_table_lookup_spans(const LoomTokenTable *table, const uint8_t *bytes, const int32_t *spans, int32_t count,
                             int32_t unknown_id, int32_t *ids);

/// The id of the token, or -1.
int32_t loom_table_find(const LoomTokenTable *table, const uint8_t *bytes, int32_t length);

/// Number of distinct tokens.
int32_t loom_table_size(const LoomTokenTable *table);

/// The bytes of token `id` (length in *length).
const uint8_t *loom_table_token(const LoomTokenTable *table, int32_t id, int32_t *length);

/// The count of token `id`.
int64_t loom_table_count(const LoomTokenTable *table, int32_t id);

/// Tokenizes `utf8` and adds 1 to the count of every token (interning new ones).
/// Returns the number of tokens, or -1 on failure (ICU code or U_MEMORY_ALLOCATION_ERROR in *status).
int32_t loom_wordtok_count(LoomWordTokenizer *tokenizer, const char *utf8, int32_t length,
                           LoomTokenTable *table, int32_t *status);

/// Tokenizes `utf8` and writes each token's id in `table` (or `unknown_id` when absent)
/// to an internal buffer, returned through *ids. Returns the number of tokens or -1.
int32_t loom_wordtok_lookup(LoomWordTokenizer *tokenizer, const char *utf8, int32_t length,
                            const LoomTokenTable *table, int32_t unknown_id,
                            const int32_t **ids, int32_t *status);

#ifdef __cplusplus
}
#endif

#endif
