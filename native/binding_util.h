// What every binding file shares: argument readers that report in one form ("StudentModel: ids must be an
// Int32Array"), the threads option, and the worker that runs native work off the event loop behind a promise.
// Readers check types only; value ranges belong to the option structs' Validate() in the C++ core.
#pragma once
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace ernie_slim {

// The class or function whose arguments are read: every message it throws starts with its name.
struct Caller {
  Napi::Env env;
  const char* name;  // "StudentModel", "JiebaDictionary": a literal, so that making a Caller costs nothing

  // A TypeError "name: problem".
  [[noreturn]] void Fail(const std::string& problem) const;
  // A RangeError "name: problem".
  [[noreturn]] void FailRange(const std::string& problem) const;
  // Fails with problem unless it is empty (what the core's Validate() methods return).
  void Check(const std::string& problem) const {
    if (!problem.empty()) Fail(problem);
  }
};

// The largest integer a JavaScript number holds exactly.
constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;

// True for undefined and null: an optional argument left out.
inline bool Absent(const Napi::Value& v) { return v.IsUndefined() || v.IsNull(); }

Napi::Object ReadObject(const Caller& c, const Napi::Value& v, const std::string& name);

// A finite number.
double ReadNumber(const Caller& c, const Napi::Value& v, const std::string& name);

inline bool IsInteger(double d) { return std::isfinite(d) && d == std::floor(d); }

// An integer in lo..hi.
int64_t ReadInteger(const Caller& c, const Napi::Value& v, const std::string& name, int64_t lo, int64_t hi);

// An integer that Int holds (and that a JavaScript number holds exactly).
template <typename Int>
Int ReadInteger(const Caller& c, const Napi::Value& v, const std::string& name) {
  if (!v.IsNumber() || !IsInteger(v.As<Napi::Number>().DoubleValue())) c.Fail(name + " must be an integer");
  const int64_t lo = std::max<int64_t>(std::numeric_limits<Int>::min(), -kMaxSafeInteger);
  const int64_t hi = static_cast<int64_t>(std::min<uint64_t>(std::numeric_limits<Int>::max(), kMaxSafeInteger));
  return static_cast<Int>(ReadInteger(c, v, name, lo, hi));
}

bool ReadBoolean(const Caller& c, const Napi::Value& v, const std::string& name);

// A string as UTF-8.
std::string ReadString(const Caller& c, const Napi::Value& v, const std::string& name);

// A string copied into *buffer as UTF-16 (grown as needed, never shrunk); returns its length in code units.
size_t ReadUtf16(const Caller& c, const Napi::Value& v, const std::string& name, std::u16string* buffer);

std::vector<std::string> ReadStringArray(const Caller& c, const Napi::Value& v, const std::string& name);

// The JavaScript typed array of element type T (int32_t: Int32Array, float: Float32Array, uint8_t: Uint8Array).
template <typename T>
struct TypedArrayKind;
template <>
struct TypedArrayKind<int32_t> {
  static constexpr napi_typedarray_type type = napi_int32_array;
  static constexpr const char* name = "an Int32Array";
};
template <>
struct TypedArrayKind<float> {
  static constexpr napi_typedarray_type type = napi_float32_array;
  static constexpr const char* name = "a Float32Array";
};
template <>
struct TypedArrayKind<uint8_t> {
  static constexpr napi_typedarray_type type = napi_uint8_array;
  static constexpr const char* name = "a Uint8Array";
};

template <typename T>
Napi::TypedArrayOf<T> ReadTypedArray(const Caller& c, const Napi::Value& v, const std::string& name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != TypedArrayKind<T>::type) {
    c.Fail(name + " must be " + TypedArrayKind<T>::name);
  }
  return v.As<Napi::TypedArrayOf<T>>();
}

// Fields of an options object: the reader's value, or `fallback` where the field is undefined (a field
// without a fallback is required).
double NumberField(const Caller& c, const Napi::Object& o, const char* name, std::optional<double> fallback = {});
bool BooleanField(const Caller& c, const Napi::Object& o, const char* name, std::optional<bool> fallback = {});
std::string StringField(const Caller& c, const Napi::Object& o, const char* name,
                        std::optional<std::string> fallback = {});
template <typename Int>
Int IntegerField(const Caller& c, const Napi::Object& o, const char* name, std::optional<Int> fallback = {}) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined() && fallback) return *fallback;
  return ReadInteger<Int>(c, v, name);
}

// The number of threads a call may use: an integer in 1..1024, `fallback` where v is undefined or null.
int ReadThreads(const Caller& c, const Napi::Value& v, int fallback);

// Native work behind a promise: Run() on libuv's pool; the promise resolves with Result(), built on the
// JavaScript thread, or rejects with an Error holding the message of what Run() threw, after "name: " unless
// name_errors is false (for messages that already say where they come from, such as a file and line).
// Start() queues the worker (which deletes itself when done) and returns its promise.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, std::string name, bool name_errors = true);
  Napi::Promise Start();

 protected:
  virtual void Run() = 0;
  virtual Napi::Value Result(Napi::Env env) = 0;
  // On the JavaScript thread before the promise settles either way.
  virtual void Settled() {}
  // Keeps o (the object a worker reads from) alive until the worker is done.
  void Hold(const Napi::Object& o);

 private:
  void Execute() final;
  void OnOK() final;
  void OnError(const Napi::Error& e) final;

  std::string name_;
  std::string error_prefix_;
  Napi::Promise::Deferred deferred_;
  std::vector<Napi::ObjectReference> held_;
};

}  // namespace ernie_slim
