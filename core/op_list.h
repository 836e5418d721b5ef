/* op_list.h — every op voxc knows, declared once (an X-macro table).
 *
 * VX_OP(ID, "name", differentiable). The registry (op_registry.c), the op
 * enum and the gradient-check walk in tests/test_gradcheck.c all expand this
 * table, so a differentiable op without a gradient check fails the tests. */
/* views */
VX_OP(RESHAPE, "reshape", 1)
VX_OP(PERMUTE, "permute", 1)
VX_OP(SLICE, "slice", 1)
VX_OP(EXPAND, "expand", 1)
VX_OP(CONTIGUOUS, "contiguous", 1)
/* elementwise binary (broadcasting) and scalar */
VX_OP(ADD, "add", 1)
VX_OP(SUB, "sub", 1)
VX_OP(MUL, "mul", 1)
VX_OP(DIV, "div", 1)
VX_OP(SCALE, "scale", 1)
VX_OP(ADD_SCALAR, "add_scalar", 1)
/* elementwise unary */
VX_OP(RELU, "relu", 1)
VX_OP(LEAKY_RELU, "leaky_relu", 1)
VX_OP(GELU, "gelu", 1)
VX_OP(TANH, "tanh", 1)
VX_OP(SIGMOID, "sigmoid", 1)
VX_OP(EXP, "exp", 1)
VX_OP(LOG, "log", 1)
VX_OP(SOFTPLUS, "softplus", 1)
VX_OP(SQRT, "sqrt", 1)
VX_OP(ABS, "abs", 1)
VX_OP(SQUARE, "square", 1)
VX_OP(CLAMP, "clamp", 1)
/* reductions */
VX_OP(SUM, "sum", 1)
VX_OP(MEAN, "mean", 1)
/* matmul family */
VX_OP(MATMUL, "matmul", 1)
VX_OP(LINEAR, "linear", 1)
/* convolutions */
VX_OP(CONV1D, "conv1d", 1)
VX_OP(CONV_TRANSPOSE1D, "conv_transpose1d", 1)
/* normalisation and softmax */
VX_OP(LAYER_NORM, "layer_norm", 1)
VX_OP(LAYER_NORM_CHANNELS, "layer_norm_channels", 1)
VX_OP(SOFTMAX, "softmax", 1)
VX_OP(WEIGHT_NORM, "weight_norm", 1)
/* indexing and shape assembly */
VX_OP(EMBEDDING, "embedding", 1)
VX_OP(CONCAT, "concat", 1)
VX_OP(PAD, "pad", 1)
VX_OP(INDEX_SELECT, "index_select", 1)
VX_OP(REPEAT_INTERLEAVE, "repeat_interleave", 1)
VX_OP(CUMSUM, "cumsum", 1)
VX_OP(WHERE, "where", 1)
VX_OP(MASKED_FILL, "masked_fill", 1)
VX_OP(DROPOUT, "dropout", 1)
/* losses */
VX_OP(L1_LOSS, "l1_loss", 1)
VX_OP(MSE_LOSS, "mse_loss", 1)
/* non-differentiable helpers */
VX_OP(ARGMAX, "argmax", 0)
VX_OP(SEQUENCE_MASK, "sequence_mask", 0)
VX_OP(CEIL, "ceil", 0)
VX_OP(RANDN, "randn", 0)
VX_OP(RAND, "rand", 0)
VX_OP(CAST, "cast", 0)
