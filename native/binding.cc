// The addon's entry point: each concern registers its own binding functions here.
#include <napi.h>

#include <thread>

#include "binding_registry.h"
#include "binding_util.h"
#include "cuda/cuda_devices.h"
#include "student/gemm.h"
#include "transformer/vector_kernel.h"

namespace ernie_slim {

static Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("cuda", Napi::Boolean::New(env, ERNIE_SLIM_HAS_CUDA != 0));
  out.Set("cudaSetting", Napi::String::New(env, ERNIE_SLIM_CUDA_SETTING));  // AUTO, ON or OFF at build time
  out.Set("hardwareThreads", Napi::Number::New(env, std::thread::hardware_concurrency()));
  out.Set("gemmKernel", Napi::String::New(env, student::GemmKernelName(student::ActiveGemmKernel())));
  const bool avx512 = transformer::ActiveVectorKernel() == transformer::VectorKernel::kAvx512;
  out.Set("elementwiseKernel", Napi::String::New(env, avx512 ? "avx512" : "portable"));
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

// matrixProduct(kernel, transposeB, m, n, k, a, aRow, aCol, b, c): c += A @ B (B [k, n], or [n, k] read
// transposed) on the named kernel, so that tests check each kernel against a reference; false when the CPU
// cannot run it.
static Napi::Value MatrixProduct(const Napi::CallbackInfo& info) {
  const Caller c{info.Env(), "matrixProduct"};
  const std::string name = ReadString(c, info[0], "kernel");
  student::GemmKernel kernel = student::GemmKernel::kBaseline;
  if (name == "avx512") {
    kernel = student::GemmKernel::kAvx512;
  } else if (name == "avx2") {
    kernel = student::GemmKernel::kAvx2;
  } else if (name != "baseline") {
    c.Fail("kernel must be avx512, avx2 or baseline");
  }
  if (!student::GemmKernelSupported(kernel)) return Napi::Boolean::New(info.Env(), false);
  const bool transpose_b = ReadBoolean(c, info[1], "transposeB");
  const int m = ReadInteger<int>(c, info[2], "m"), n = ReadInteger<int>(c, info[3], "n");
  const int k = ReadInteger<int>(c, info[4], "k");
  const long a_row = ReadInteger<int>(c, info[6], "aRow"), a_col = ReadInteger<int>(c, info[7], "aCol");
  for (int i : {5, 8, 9}) {
    if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      c.Fail("a, b and c must be Float32Arrays");
  }
  const Napi::Float32Array a = info[5].As<Napi::Float32Array>(), b = info[8].As<Napi::Float32Array>();
  Napi::Float32Array out = info[9].As<Napi::Float32Array>();
  const long a_last = (m > 0 && k > 0) ? (m - 1) * a_row + (k - 1) * a_col : -1;
  if (m < 0 || n < 0 || k < 0 || a_row < 0 || a_col < 0 || a_last >= static_cast<long>(a.ElementLength()) ||
      static_cast<long>(b.ElementLength()) < static_cast<long>(n) * k ||
      static_cast<long>(out.ElementLength()) < static_cast<long>(m) * n) {
    c.FailRange("the arrays are too short for the sizes given");
  }
  if (transpose_b) {
    student::GemmNTAccWith(kernel, m, n, k, a.Data(), b.Data(), out.Data());
  } else {
    student::GemmAccWith(kernel, m, n, k, a.Data(), a_row, a_col, b.Data(), out.Data());
  }
  return Napi::Boolean::New(info.Env(), true);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"));
  exports.Set("cudaInfo", Napi::Function::New(env, CudaInfo, "cudaInfo"));
  exports.Set("matrixProduct", Napi::Function::New(env, MatrixProduct, "matrixProduct"));
  RegisterTokenizerBinding(env, exports);
  RegisterStudentBinding(env, exports);
  RegisterSegmenterBinding(env, exports);
  RegisterTextEncoderBinding(env, exports);
  RegisterWordTableBinding(env, exports);
  RegisterFileBytesBinding(env, exports);
  RegisterCorpusCacheBinding(env, exports);
  RegisterTransformerBinding(env, exports);
  return exports;
}

}  // namespace ernie_slim

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return ernie_slim::Init(env, exports); }

NODE_API_MODULE(ernie_slim, InitAddon)
