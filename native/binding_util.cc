// The binding files' shared argument readers and promise worker (binding_util.h).
#include "binding_util.h"

#include <cmath>
#include <exception>
#include <new>

namespace ernie_slim {

void Caller::Fail(const std::string& problem) const {
  throw Napi::TypeError::New(env, std::string(name) + ": " + problem);
}

void Caller::FailRange(const std::string& problem) const {
  throw Napi::RangeError::New(env, std::string(name) + ": " + problem);
}

Napi::Object ReadObject(const Caller& c, const Napi::Value& v, const std::string& name) {
  if (!v.IsObject()) c.Fail(name + " must be an object");
  return v.As<Napi::Object>();
}

double ReadNumber(const Caller& c, const Napi::Value& v, const std::string& name) {
  if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue())) c.Fail(name + " must be a finite number");
  return v.As<Napi::Number>().DoubleValue();
}

int64_t ReadInteger(const Caller& c, const Napi::Value& v, const std::string& name, int64_t lo, int64_t hi) {
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d == std::floor(d) && d >= static_cast<double>(lo) && d <= static_cast<double>(hi))) {
    // A bound a JavaScript number cannot pass is left out of the message.
    if (lo <= -kMaxSafeInteger && hi >= kMaxSafeInteger) c.Fail(name + " must be an integer");
    if (hi >= kMaxSafeInteger) c.Fail(name + " must be an integer >= " + std::to_string(lo));
    c.Fail(name + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return static_cast<int64_t>(d);
}

bool ReadBoolean(const Caller& c, const Napi::Value& v, const std::string& name) {
  if (!v.IsBoolean()) c.Fail(name + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::string ReadString(const Caller& c, const Napi::Value& v, const std::string& name) {
  if (!v.IsString()) c.Fail(name + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

size_t ReadUtf16(const Caller& c, const Napi::Value& v, const std::string& name, std::u16string* buffer) {
  if (!v.IsString()) c.Fail(name + " must be a string");
  napi_env env = c.env;
  if (buffer->size() < 256) buffer->resize(256);
  size_t length = 0;
  // One copy when the buffer is large enough (napi copies at most size - 1 units and a terminator).
  napi_status status = napi_get_value_string_utf16(env, v, buffer->data(), buffer->size(), &length);
  if (status == napi_ok && length + 1 >= buffer->size()) {
    status = napi_get_value_string_utf16(env, v, nullptr, 0, &length);
    if (status == napi_ok) {
      buffer->resize(length + 1);
      status = napi_get_value_string_utf16(env, v, buffer->data(), buffer->size(), &length);
    }
  }
  NAPI_THROW_IF_FAILED(env, status, 0);
  return length;
}

std::vector<std::string> ReadStringArray(const Caller& c, const Napi::Value& v, const std::string& name) {
  if (!v.IsArray()) c.Fail(name + " must be an array of strings");
  Napi::Array array = v.As<Napi::Array>();
  std::vector<std::string> out(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    out[i] = ReadString(c, array.Get(i), name + "[" + std::to_string(i) + "]");
  }
  return out;
}

double NumberField(const Caller& c, const Napi::Object& o, const char* name, std::optional<double> fallback) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined() && fallback) return *fallback;
  return ReadNumber(c, v, name);
}

bool BooleanField(const Caller& c, const Napi::Object& o, const char* name, std::optional<bool> fallback) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined() && fallback) return *fallback;
  return ReadBoolean(c, v, name);
}

std::string StringField(const Caller& c, const Napi::Object& o, const char* name, std::optional<std::string> fallback) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined() && fallback) return *fallback;
  return ReadString(c, v, name);
}

int ReadThreads(const Caller& c, const Napi::Value& v, int fallback) {
  if (Absent(v)) return fallback;
  return static_cast<int>(ReadInteger(c, v, "threads", 1, 1024));
}

// ---------------------------------------------------------------------------------------------- PromiseWorker

PromiseWorker::PromiseWorker(Napi::Env env, std::string name, bool name_errors)
    : Napi::AsyncWorker(env, ("ernie-slim:" + name).c_str()),
      name_(name),
      error_prefix_(name_errors ? name + ": " : ""),
      deferred_(Napi::Promise::Deferred::New(env)) {}

Napi::Promise PromiseWorker::Start() {
  Napi::Promise promise = deferred_.Promise();
  Queue();
  return promise;
}

void PromiseWorker::Hold(const Napi::Object& o) { held_.push_back(Napi::Persistent(o)); }

void PromiseWorker::Execute() {
  try {
    Run();
  } catch (const std::bad_alloc&) {
    SetError(name_ + ": not enough memory");
  } catch (const std::exception& e) {
    SetError(error_prefix_ + e.what());
  }
}

void PromiseWorker::OnOK() {
  Settled();
  try {
    deferred_.Resolve(Result(Env()));
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

void PromiseWorker::OnError(const Napi::Error& e) {
  Settled();
  deferred_.Reject(e.Value());
}

}  // namespace ernie_slim
