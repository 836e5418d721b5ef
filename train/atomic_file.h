/* atomic_file.h — moved to core/atomic_file.h (audio/svg.c uses it too);
 * this name stays until tools/reviews.c includes the core header. */
#ifndef VX_TRAIN_ATOMIC_FILE_H
#define VX_TRAIN_ATOMIC_FILE_H

#include "core/atomic_file.h"

#endif
