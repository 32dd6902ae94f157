// What the segmenter, text-encoder and student bindings share: batches of JavaScript strings, and the native
// objects behind the JiebaDictionary, StudentTextEncoder and StudentWordTable classes.
#pragma once
#include <napi.h>

#include <memory>

#include "binding_util.h"
#include "segmenter/dag_segmenter.h"
#include "student/text_encoder.h"
#include "student/word_table.h"

namespace ernie_slim {

// Rows of texts_a[i] (and texts_b[i] where texts_b is an array and its entry is not undefined or null).
student::TextBatch ReadTextBatch(const Caller& c, const Napi::Value& texts_a, const Napi::Value& texts_b);

// The segmenter of a JiebaDictionary object; a TypeError when v is not one.
std::shared_ptr<const segmenter::DagSegmenter> UnwrapJiebaDictionary(const Caller& c, const Napi::Value& v);

// The encoder of a StudentTextEncoder object, with the scratch its synchronous calls reuse; a TypeError when
// v is not one.
struct TextEncoderRef {
  std::shared_ptr<const student::TextEncoder> encoder;
  student::TextEncoderScratch* scratch;
};
TextEncoderRef UnwrapTextEncoder(const Caller& c, const Napi::Value& v);

// The word table of a StudentWordTable object, or one made from an array of words; a TypeError otherwise.
std::shared_ptr<const student::WordTable> UnwrapWordTable(const Caller& c, const Napi::Value& v);

}  // namespace ernie_slim
