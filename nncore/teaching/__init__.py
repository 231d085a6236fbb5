"""Teaching tools: one backprop step by hand, the gradient check, saliency."""
