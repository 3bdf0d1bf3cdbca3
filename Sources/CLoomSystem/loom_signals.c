// Ctrl-C and SIGTERM as requests to stop at the next safe point (see loom_system.h). The recorded
// signal is process-wide by nature: a signal handler can only talk to the program through such a flag.
#define _GNU_SOURCE
#include "loom_system.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t recorded_signal = 0;

static void record(int signal_number) {
    if (!recorded_signal) recorded_signal = signal_number;
    // The handler was installed with SA_RESETHAND: a second signal takes the default action.
}

void loom_interrupts_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = record;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND | SA_RESTART;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

int loom_interrupt_signal(void) { return recorded_signal; }

void loom_interrupts_reset(void) {
    recorded_signal = 0;
    loom_interrupts_install();
}
