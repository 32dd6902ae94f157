// The addon's entry point: each concern registers its own binding functions here.
#include <napi.h>

#include <thread>

#include "binding_registry.h"

namespace ernie_slim {

static Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("cuda", Napi::Boolean::New(env, ERNIE_SLIM_HAS_CUDA != 0));
  out.Set("hardwareThreads", Napi::Number::New(env, std::thread::hardware_concurrency()));
#if defined(__clang__)
  out.Set("compiler", Napi::String::New(env, "clang " __clang_version__));
#elif defined(__GNUC__)
  out.Set("compiler", Napi::String::New(env, "gcc " __VERSION__));
#endif
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"));
  RegisterTokenizerBinding(env, exports);
  RegisterStudentBinding(env, exports);
  RegisterSegmenterBinding(env, exports);
  RegisterTextEncoderBinding(env, exports);
  return exports;
}

}  // namespace ernie_slim

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return ernie_slim::Init(env, exports); }

NODE_API_MODULE(ernie_slim, InitAddon)
