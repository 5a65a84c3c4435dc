// The contract's kernels and the handler of each, by family: one list for both addons. Include it
// inside the addon's namespace after declaring its `Call`; CN_DECLARE_HANDLERS declares the handlers
// (defined in <family>.cpp), CN_KERNEL_HANDLERS(X) expands X(name, handler) for each kernel.
// (No include guard: each dispatch.cpp includes it once, in its own namespace.)
#define CN_DECLARE_HANDLERS \
  namespace conv2d { void forward(const Call&); void backwardData(const Call&); void backwardFilter(const Call&); } \
  namespace dwconv2d { void forward(const Call&); void backwardData(const Call&); void backwardFilter(const Call&); } \
  namespace pwconv2d { void forward(const Call&); void backwardData(const Call&); void backwardFilter(const Call&); } \
  namespace batchnorm { void train(const Call&); void inference(const Call&); void trainBackward(const Call&); void inferenceBackward(const Call&); } \
  namespace pool { void max(const Call&); void maxBackward(const Call&); void avg(const Call&); void avgBackward(const Call&); void adaptiveAvg(const Call&); void adaptiveAvgBackward(const Call&); } \
  namespace globalpool { void forward(const Call&); void backward(const Call&); } \
  namespace dense { void forward(const Call&); void backwardData(const Call&); void backwardFilter(const Call&); } \
  namespace activation { void forward(const Call&); void backward(const Call&); } \
  namespace elementwise { void add(const Call&); void axpy(const Call&); void scale(const Call&); void mul(const Call&); void sumSquares(const Call&); } \
  namespace channelscale { void forward(const Call&); void backward(const Call&); } \
  namespace concat { void concat(const Call&); void split(const Call&); } \
  namespace dropout { void mask(const Call&); } \
  namespace softmax_xent { void forward(const Call&); void backward(const Call&); } \
  namespace optim { void sgd(const Call&); void adamw(const Call&); }

#define CN_KERNEL_HANDLERS(X) \
  X("conv2d", conv2d::forward) \
  X("conv2dBackwardData", conv2d::backwardData) \
  X("conv2dBackwardFilter", conv2d::backwardFilter) \
  X("dwconv2d", dwconv2d::forward) \
  X("dwconv2dBackwardData", dwconv2d::backwardData) \
  X("dwconv2dBackwardFilter", dwconv2d::backwardFilter) \
  X("pwconv2d", pwconv2d::forward) \
  X("pwconv2dBackwardData", pwconv2d::backwardData) \
  X("pwconv2dBackwardFilter", pwconv2d::backwardFilter) \
  X("batchNormTrain", batchnorm::train) \
  X("batchNormInference", batchnorm::inference) \
  X("batchNormTrainBackward", batchnorm::trainBackward) \
  X("batchNormInferenceBackward", batchnorm::inferenceBackward) \
  X("maxPool2d", pool::max) \
  X("maxPool2dBackward", pool::maxBackward) \
  X("avgPool2d", pool::avg) \
  X("avgPool2dBackward", pool::avgBackward) \
  X("adaptiveAvgPool2d", pool::adaptiveAvg) \
  X("adaptiveAvgPool2dBackward", pool::adaptiveAvgBackward) \
  X("globalAvgPool", globalpool::forward) \
  X("globalAvgPoolBackward", globalpool::backward) \
  X("dense", dense::forward) \
  X("denseBackwardData", dense::backwardData) \
  X("denseBackwardFilter", dense::backwardFilter) \
  X("activation", activation::forward) \
  X("activationBackward", activation::backward) \
  X("add", elementwise::add) \
  X("axpy", elementwise::axpy) \
  X("scale", elementwise::scale) \
  X("mul", elementwise::mul) \
  X("sumSquares", elementwise::sumSquares) \
  X("channelScale", channelscale::forward) \
  X("channelScaleBackward", channelscale::backward) \
  X("concat", concat::concat) \
  X("split", concat::split) \
  X("dropoutMask", dropout::mask) \
  X("softmaxCrossEntropy", softmax_xent::forward) \
  X("softmaxCrossEntropyBackward", softmax_xent::backward) \
  X("sgdUpdate", optim::sgd) \
  X("adamwUpdate", optim::adamw)
