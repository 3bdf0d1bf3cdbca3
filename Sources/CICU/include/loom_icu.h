#ifndef LOOM_ICU_H
#define LOOM_ICU_H
int loom_icu_placeholder(void);
#endif
