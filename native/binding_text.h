// What the bindings that take text share: JavaScript strings read as UTF-16, and the native object behind
// the JiebaDictionary class.
#pragma once
#include <napi.h>

#include <memory>
#include <string>

#include "segmenter/dag_segmenter.h"

namespace ernie_slim {

// Copies a JavaScript string into *buffer (grown as needed, never shrunk) and returns its length in UTF-16
// code units; a TypeError naming `name` when v is not a string.
size_t ReadUtf16(const Napi::Value& v, const char* name, std::u16string* buffer);

// The segmenter of a JiebaDictionary object; a TypeError when v is not one.
std::shared_ptr<const segmenter::DagSegmenter> UnwrapJiebaDictionary(const Napi::Value& v);

}  // namespace ernie_slim
