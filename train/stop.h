/* stop.h — clean shutdown of training loops on SIGINT / SIGTERM.
 *
 * vx_stop_install puts a handler on both signals that only records the
 * signal number; the loop polls vx_stop_requested() between steps, saves a
 * checkpoint and returns. The handler is one-shot (SA_RESETHAND): a second
 * Ctrl-C while the checkpoint is written kills the process the usual way.
 *
 *     vx_stop_install();
 *     for (step = start; step < total && !vx_stop_requested(); step++)
 *         train_step(...);
 *     save_checkpoint(...);
 *     vx_stop_uninstall();
 */
#ifndef VX_TRAIN_STOP_H
#define VX_TRAIN_STOP_H

#include <stdbool.h>

#include "core/status.h"

/* Install the handlers (remembering the previous ones) and clear the flag. */
vx_status vx_stop_install(void);

/* Restore the handlers that vx_stop_install replaced. */
void vx_stop_uninstall(void);

/* True once SIGINT or SIGTERM arrived (or vx_stop_request was called). */
bool vx_stop_requested(void);

/* The signal that asked to stop (SIGINT, SIGTERM), 0 for none or a request. */
int vx_stop_signal(void);

/* Ask the loop to stop without a signal (e.g. NaN handling, tests). */
void vx_stop_request(void);

/* Forget any request. */
void vx_stop_clear(void);

#endif
