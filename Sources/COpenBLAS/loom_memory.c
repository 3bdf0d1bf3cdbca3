#include "loom_memory.h"

#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int loom_retain_freed_memory(void) {
#if defined(__GLIBC__)
    if (getenv("MALLOC_MMAP_THRESHOLD_") || getenv("MALLOC_TRIM_THRESHOLD_") || getenv("GLIBC_TUNABLES")) return 0;
    int mmap_ok = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    int trim_ok = mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
    return mmap_ok && trim_ok;
#else
    return 0;
#endif
}
