#include "binding_registry.h"

namespace ernie_slim {
void RegisterTokenizerBinding(Napi::Env env, Napi::Object exports) {}
}  // namespace ernie_slim
