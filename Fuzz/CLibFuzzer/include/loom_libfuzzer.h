// libFuzzer's driver entry point (compiler-rt's FuzzerInterface.h), declared for Swift.
// Only called in fuzz builds (-DFUZZING -sanitize=fuzzer), where libFuzzer is linked:
// SwiftPM makes an executable's entry point its `@main`, so the fuzz targets start
// libFuzzer from there instead of using libFuzzer's own `main`.
#ifndef LOOM_LIBFUZZER_H
#define LOOM_LIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
