/* stop.c — the SIGINT/SIGTERM flag behind stop.h. */
#include "train/stop.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_flag;   /* 0, or 1 + the signal number (0 for requests) */
static struct sigaction previous_int, previous_term;
static bool installed;

static void on_signal(int sig) { stop_flag = 1 + sig; }

vx_status vx_stop_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    stop_flag = 0;
    if (installed)
        vx_stop_uninstall();
    if (sigaction(SIGINT, &sa, &previous_int) != 0)
        return vx_fail(VX_ERR_IO, "stop: cannot install the SIGINT handler: %s", strerror(errno));
    if (sigaction(SIGTERM, &sa, &previous_term) != 0) {
        sigaction(SIGINT, &previous_int, NULL);
        return vx_fail(VX_ERR_IO, "stop: cannot install the SIGTERM handler: %s", strerror(errno));
    }
    installed = true;
    return VX_OK;
}

void vx_stop_uninstall(void)
{
    if (!installed)
        return;
    sigaction(SIGINT, &previous_int, NULL);
    sigaction(SIGTERM, &previous_term, NULL);
    installed = false;
}

bool vx_stop_requested(void) { return stop_flag != 0; }
int vx_stop_signal(void) { return stop_flag > 1 ? stop_flag - 1 : 0; }
void vx_stop_request(void) { stop_flag = 1; }
void vx_stop_clear(void) { stop_flag = 0; }
