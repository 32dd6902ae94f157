// Each binding_*.cc file adds one concern's functions and classes to the addon's exports.
#pragma once
#include <napi.h>

namespace ernie_slim {
void RegisterTokenizerBinding(Napi::Env env, Napi::Object exports);
void RegisterStudentBinding(Napi::Env env, Napi::Object exports);
void RegisterSegmenterBinding(Napi::Env env, Napi::Object exports);
void RegisterTextEncoderBinding(Napi::Env env, Napi::Object exports);
void RegisterWordTableBinding(Napi::Env env, Napi::Object exports);
void RegisterFileBytesBinding(Napi::Env env, Napi::Object exports);
void RegisterCorpusCacheBinding(Napi::Env env, Napi::Object exports);
void RegisterTransformerBinding(Napi::Env env, Napi::Object exports);
}  // namespace ernie_slim
