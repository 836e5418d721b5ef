/* vx.h — the voxc core API in one include: status, dtypes, RNG, context,
 * tensors, autograd and every op. */
#ifndef VX_H
#define VX_H

#include "autograd.h"
#include "ctx.h"
#include "dtype.h"
#include "ops.h"
#include "rng.h"
#include "status.h"
#include "tensor.h"

#endif
