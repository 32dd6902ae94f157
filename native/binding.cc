// The addon's entry point: each concern registers its own binding functions here.
#include <napi.h>

#include <thread>

#include "binding_registry.h"
#include "cuda/cuda_devices.h"

namespace ernie_slim {

static Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("cuda", Napi::Boolean::New(env, ERNIE_SLIM_HAS_CUDA != 0));
  out.Set("cudaSetting", Napi::String::New(env, ERNIE_SLIM_CUDA_SETTING));  // AUTO, ON or OFF at build time
  out.Set("hardwareThreads", Napi::Number::New(env, std::thread::hardware_concurrency()));
#if defined(__clang__)
  out.Set("compiler", Napi::String::New(env, "clang " __clang_version__));
#elif defined(__GNUC__)
  out.Set("compiler", Napi::String::New(env, "gcc " __VERSION__));
#endif
  return out;
}

// The CUDA devices the student trainer can use (asked once: the driver is looked for on the first call).
static Napi::Value CudaInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const cuda::CudaDevices& d = cuda::ProbeCudaDevices();
  Napi::Object out = Napi::Object::New(env);
  out.Set("built", Napi::Boolean::New(env, d.built));
  out.Set("devices", Napi::Number::New(env, d.count));
  out.Set("name", d.name.empty() ? env.Null() : Napi::String::New(env, d.name));
  out.Set("problem", d.problem.empty() ? env.Null() : Napi::String::New(env, d.problem));
  out.Set("runtimeVersion", Napi::Number::New(env, d.runtime_version));
  out.Set("driverVersion", Napi::Number::New(env, d.driver_version));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"));
  exports.Set("cudaInfo", Napi::Function::New(env, CudaInfo, "cudaInfo"));
  RegisterTokenizerBinding(env, exports);
  RegisterStudentBinding(env, exports);
  RegisterSegmenterBinding(env, exports);
  RegisterTextEncoderBinding(env, exports);
  RegisterCorpusCacheBinding(env, exports);
  RegisterTransformerBinding(env, exports);
  return exports;
}

}  // namespace ernie_slim

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return ernie_slim::Init(env, exports); }

NODE_API_MODULE(ernie_slim, InitAddon)
