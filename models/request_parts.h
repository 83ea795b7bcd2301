// Where a need's text asks for one more thing. "做滑梯的，想找中东的采购商，
// 再去参加个博览会" asks for buyers and, as a second request, for an expo;
// "玩具出口欧盟做EN71检测" asks for one thing only, with the export as its
// setting. The engine uses the parts to tell several wanted service types
// from one type and the context around it.
#pragma once

#include <string_view>
#include <vector>

namespace iisc {

struct RequestPart {
  std::string_view text;
  // The part asks for something, rather than describing the enterprise
  // ("We make testing equipment and want a loan": only the second asks).
  bool asks = false;
};

// Splits normalized text (NormalizeText: lower case, half-width) at
// connectives -- additive ones (另外, 此外, 同时, 顺便, 还想, 也要, 再去, "and
// also", "as well as", "in addition", "plus") and coordinating ones (和, 及,
// 以及, "and", list separators ；、; line breaks). Commas and full stops are
// not boundaries: a sentence often sets the scene before it asks
// ("我们有专利，想贷款" asks for a loan).
//
// A part asks when it has a request word of its own (想, 需要, 申请, need,
// want, looking for, ...), is next to an additive connective (还想 is "also
// want": the part before asks too), or is coordinated with a part before it
// that asks; when no part has a request word, every part asks.
// Returns the non-empty parts in order, as views into `normalized`; a text
// without boundaries is one part.
std::vector<RequestPart> SplitRequestParts(std::string_view normalized);

}  // namespace iisc
