// Declarations only (see include/loom_libfuzzer.h); SwiftPM needs one source file.
#include "loom_libfuzzer.h"
