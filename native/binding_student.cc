#include "binding_registry.h"

namespace ernie_slim {
void RegisterStudentBinding(Napi::Env env, Napi::Object exports) {}
}  // namespace ernie_slim
