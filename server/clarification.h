// The clarifying question the answer carries when the engine cannot tell two
// or three kinds of service apart (NeedUnderstanding::clarify_between): one
// question and an answer per kind, in the SME's language, worded as what the
// enterprise wants done rather than as the catalog's type names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace iisc {

struct ClarifyingOption {
  std::vector<std::string> service_types;  // one, or all of the question's ("both")
  std::string label;
};

struct ClarifyingQuestion {
  std::string question;
  std::vector<ClarifyingOption> options;
};

// `language`: "zh" or "en" (anything else reads as "zh"). One answer per
// type, and a last one for all of them. Types without a wording of their own
// are left out; fewer than two: no question (empty `options`).
ClarifyingQuestion BuildClarifyingQuestion(const std::vector<std::string>& service_types,
                                           std::string_view language);

}  // namespace iisc
