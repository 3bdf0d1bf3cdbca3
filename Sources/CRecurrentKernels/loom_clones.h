#ifndef LOOM_CLONES_H
#define LOOM_CLONES_H

// Private to CRecurrentKernels. LOOM_CLONES compiles a function three times (AVX-512, AVX2, baseline) and lets the loader
// pick the widest the CPU runs (GCC/Clang target_clones, ifunc-based, so x86-64 Linux only): Swift code is
// built for baseline x86-64 and has no per-function CPU targets.
// Under ThreadSanitizer the clones are off: clang instruments their loader-time resolvers, which run
// before TSan starts and crash every process (seen with Swift 6.3's clang); one baseline build is tested.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LOOM_NO_CLONES 1
#endif
#endif
#if defined(__x86_64__) && defined(__linux__) && (defined(__clang__) || defined(__GNUC__)) && !defined(LOOM_NO_CLONES)
#define LOOM_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LOOM_CLONES
#endif

#endif
