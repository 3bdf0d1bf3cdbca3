// Open-addressing hash table of byte strings; see include/loom_tokentable.h.
//
// Each bucket holds the full hash, the id, the length and, for tokens of up to 16
// bytes (nearly all words), the bytes themselves, so a lookup usually touches one
// cache line. Longer tokens are compared against the arena.
#include "loom_tokentable.h"

#include <stdlib.h>
#include <string.h>

enum { INLINE_BYTES = 16 };

typedef struct {
    uint64_t hash;
    int32_t id;          // token id + 1, 0 = empty
    int32_t length;
    uint64_t key[2];     // first 16 bytes, zero-padded
} Bucket;

struct LoomTokenTable {
    Bucket *buckets;
    uint32_t mask;       // bucket count - 1 (power of two)
    int32_t size;
    int32_t capacity;    // entries allocated
    int64_t *counts;
    int64_t *offsets;    // into arena
    int32_t *lengths;
    uint8_t *arena;
    int64_t arenaSize, arenaCapacity;
};

typedef struct {
    uint64_t key[2];
    uint64_t hash;
} Probe;

static inline uint64_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

static inline Probe make_probe(const uint8_t *p, int32_t n) {
    Probe probe = {{0, 0}, 0};
    memcpy(probe.key, p, (size_t)(n < INLINE_BYTES ? n : INLINE_BYTES));
    uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ull;
    h ^= probe.key[0] * 0xD6E8FEB86659FD93ull;
    h ^= (probe.key[1] + 0x2545F4914F6CDD1Dull) * 0xA0761D6478BD642Full;
    for (int32_t i = INLINE_BYTES; i < n; i += 8) {
        uint64_t w = 0;
        memcpy(&w, p + i, (size_t)(n - i < 8 ? n - i : 8));
        h = (h ^ w) * 0xE7037ED1A0B428DBull;
        h ^= h >> 31;
    }
    probe.hash = mix(h);
    return probe;
}

LoomTokenTable *loom_table_create(void) {
    LoomTokenTable *t = calloc(1, sizeof(LoomTokenTable));
    if (t == NULL) return NULL;
    t->mask = 1023;
    t->buckets = calloc(t->mask + 1, sizeof(Bucket));
    if (t->buckets == NULL) { free(t); return NULL; }
    return t;
}

void loom_table_free(LoomTokenTable *t) {
    if (t == NULL) return;
    free(t->buckets);
    free(t->counts);
    free(t->offsets);
    free(t->lengths);
    free(t->arena);
    free(t);
}

int32_t loom_table_size(const LoomTokenTable *t) { return t->size; }
int64_t loom_table_count(const LoomTokenTable *t, int32_t id) { return t->counts[id]; }

const uint8_t *loom_table_token(const LoomTokenTable *t, int32_t id, int32_t *length) {
    *length = t->lengths[id];
    return t->arena + t->offsets[id];
}

// Returns the matching bucket index (found) or the empty bucket to insert into.
static inline uint32_t find_bucket(const LoomTokenTable *t, const uint8_t *bytes, int32_t n, const Probe *probe, int *found) {
    uint32_t i = (uint32_t)probe->hash & t->mask;
    for (;;) {
        const Bucket *b = &t->buckets[i];
        if (b->id == 0) { *found = 0; return i; }
        if (b->hash == probe->hash && b->length == n && b->key[0] == probe->key[0] && b->key[1] == probe->key[1] &&
            (n <= INLINE_BYTES ||
             memcmp(t->arena + t->offsets[b->id - 1] + INLINE_BYTES, bytes + INLINE_BYTES, (size_t)(n - INLINE_BYTES)) == 0)) {
            *found = 1;
            return i;
        }
        i = (i + 1) & t->mask;
    }
}

int32_t loom_table_find(const LoomTokenTable *t, const uint8_t *bytes, int32_t n) {
    Probe probe = make_probe(bytes, n);
    int found;
    uint32_t i = find_bucket(t, bytes, n, &probe, &found);
    return found ? t->buckets[i].id - 1 : -1;
}

static int rehash(LoomTokenTable *t) {
    uint32_t count = (t->mask + 1) * 2;
    Bucket *grown = calloc(count, sizeof(Bucket));
    if (grown == NULL) return 0;
    for (uint32_t k = 0; k <= t->mask; k++) {
        const Bucket *b = &t->buckets[k];
        if (b->id == 0) continue;
        uint32_t i = (uint32_t)b->hash & (count - 1);
        while (grown[i].id != 0) i = (i + 1) & (count - 1);
        grown[i] = *b;
    }
    free(t->buckets);
    t->buckets = grown;
    t->mask = count - 1;
    return 1;
}

static int reserve_entries(LoomTokenTable *t) {
    if (t->size < t->capacity) return 1;
    int32_t capacity = t->capacity ? t->capacity * 2 : 1024;
    void *c = realloc(t->counts, (size_t)capacity * sizeof(int64_t));
    if (c) t->counts = c;
    void *o = realloc(t->offsets, (size_t)capacity * sizeof(int64_t));
    if (o) t->offsets = o;
    void *l = realloc(t->lengths, (size_t)capacity * sizeof(int32_t));
    if (l) t->lengths = l;
    if (!c || !o || !l) return 0;
    t->capacity = capacity;
    return 1;
}

static int32_t insert(LoomTokenTable *t, const uint8_t *bytes, int32_t n, const Probe *probe, uint32_t bucket) {
    if (!reserve_entries(t)) return -1;
    if (t->arenaSize + n > t->arenaCapacity) {
        int64_t capacity = t->arenaCapacity ? t->arenaCapacity * 2 : 16384;
        while (capacity < t->arenaSize + n) capacity *= 2;
        uint8_t *arena = realloc(t->arena, (size_t)capacity);
        if (arena == NULL) return -1;
        t->arena = arena;
        t->arenaCapacity = capacity;
    }
    int32_t id = t->size++;
    memcpy(t->arena + t->arenaSize, bytes, (size_t)n);
    t->offsets[id] = t->arenaSize;
    t->lengths[id] = n;
    t->counts[id] = 0;
    t->arenaSize += n;
    Bucket *b = &t->buckets[bucket];
    b->hash = probe->hash;
    b->id = id + 1;
    b->length = n;
    b->key[0] = probe->key[0];
    b->key[1] = probe->key[1];
    if ((uint32_t)t->size * 2 > t->mask + 1 && !rehash(t)) return -1;
    return id;
}

int32_t loom_table_intern(LoomTokenTable *t, const uint8_t *bytes, int32_t n) {
    Probe probe = make_probe(bytes, n);
    int found;
    uint32_t i = find_bucket(t, bytes, n, &probe, &found);
    if (found) return t->buckets[i].id - 1;
    return insert(t, bytes, n, &probe, i);
}

static inline int32_t increment(LoomTokenTable *t, const uint8_t *bytes, int32_t n, const Probe *probe) {
    int found;
    uint32_t i = find_bucket(t, bytes, n, probe, &found);
    int32_t id = found ? t->buckets[i].id - 1 : insert(t, bytes, n, probe, i);
    if (id >= 0) t->counts[id] += 1;
    return id;
}

int32_t loom_table_increment(LoomTokenTable *t, const uint8_t *bytes, int32_t n) {
    Probe probe = make_probe(bytes, n);
    return increment(t, bytes, n, &probe);
}

// Batches hash the tokens a few places ahead and prefetch their buckets, so that the
// cache misses of a large table overlap instead of stalling one after another.
enum { AHEAD = 8 };

static inline void prefetch_bucket(const LoomTokenTable *t, const Probe *probe) {
    __builtin_prefetch(&t->buckets[(uint32_t)probe->hash & t->mask]);
}

// The probes of the next AHEAD tokens of a batch, their buckets already prefetched.
typedef struct {
    Probe ring[AHEAD];
    const uint8_t *bytes;
    const int32_t *spans;
    int32_t count;
} Lookahead;

static inline void lookahead_fill(const LoomTokenTable *t, Lookahead *a, int32_t k) {
    a->ring[k % AHEAD] = make_probe(a->bytes + a->spans[2 * k], a->spans[2 * k + 1]);
    prefetch_bucket(t, &a->ring[k % AHEAD]);
}

static inline void lookahead_start(const LoomTokenTable *t, Lookahead *a) {
    for (int32_t k = 0; k < a->count && k < AHEAD; k++) lookahead_fill(t, a, k);
}

// The probe of token k; starts hashing and prefetching token k + AHEAD.
static inline Probe lookahead_take(const LoomTokenTable *t, Lookahead *a, int32_t k) {
    Probe probe = a->ring[k % AHEAD];
    if (k + AHEAD < a->count) lookahead_fill(t, a, k + AHEAD);
    return probe;
}

int32_t loom_table_count_spans(LoomTokenTable *t, const uint8_t *bytes, const int32_t *spans, int32_t count) {
    Lookahead ahead = {.bytes = bytes, .spans = spans, .count = count};
    lookahead_start(t, &ahead);
    for (int32_t k = 0; k < count; k++) {
        Probe probe = lookahead_take(t, &ahead, k);
        if (increment(t, bytes + spans[2 * k], spans[2 * k + 1], &probe) < 0) return 0;
    }
    return 1;
}

void loom_table_lookup_spans(const LoomTokenTable *t, const uint8_t *bytes, const int32_t *spans, int32_t count,
                             int32_t unknown_id, int32_t *ids) {
    Lookahead ahead = {.bytes = bytes, .spans = spans, .count = count};
    lookahead_start(t, &ahead);
    for (int32_t k = 0; k < count; k++) {
        Probe probe = lookahead_take(t, &ahead, k);
        int found;
        uint32_t i = find_bucket(t, bytes + spans[2 * k], spans[2 * k + 1], &probe, &found);
        ids[k] = found ? t->buckets[i].id - 1 : unknown_id;
    }
}
