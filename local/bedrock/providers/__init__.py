"""Provider-native InvokeModel bodies and streaming chunk formats, one module per family."""
