int loom_icu_placeholder(void) { return 0; }
