#include "server/clarification.h"

#include <array>

namespace iisc {
namespace {

struct Wording {
  std::string_view type, zh, en;
};

// Each answer says what the enterprise would get done, with the kind of
// service in brackets, so that the choice is easy for someone who has never
// seen the catalog.
constexpr std::array<Wording, 11> kWordings{{
    {"rnd", "请专家一起攻关，改进产品或工艺（研发）",
     "Work with experts to solve the technical problem or improve the product (R&D)"},
    {"design", "设计新的外观、款式、包装或品牌形象（设计）",
     "Design a new look, style, packaging or brand image (design)"},
    {"testing", "检测产品，出具报告或办认证（检测）",
     "Test the product and get a report or a certificate (testing)"},
    {"ipr", "保护自己的设计、专利、商标，处理仿冒侵权（知识产权）",
     "Protect your designs, patents or trademarks and act against copies (IP protection)"},
    {"standards_info", "弄清楚要符合哪些标准、法规和市场要求（标准信息）",
     "Find out which standards, rules and market requirements apply (standards and information)"},
    {"tech_transfer", "引进或买下现成的技术、科研成果（成果转化）",
     "Take over a technology or research result that already exists (technology transfer)"},
    {"incubation", "找场地、导师和扶持，把创业项目做起来（孵化）",
     "Find a place, mentors and support to get a start-up going (incubation)"},
    {"intl_coop", "找海外客户、合作伙伴，或到海外发展（国际合作）",
     "Find customers or partners abroad, or set up abroad (international cooperation)"},
    {"financing", "解决资金问题：贷款、担保或投资（融资）",
     "Solve the money question: loans, guarantees or investors (financing)"},
    {"exhibition", "参加展会，或找地方展示和推销产品（会展）",
     "Show your products at a fair or a showroom (exhibitions)"},
    {"training", "培训员工，学会新的技能（培训）", "Train your staff in new skills (training)"},
}};

}  // namespace

ClarifyingQuestion BuildClarifyingQuestion(const std::vector<std::string>& service_types,
                                           std::string_view language) {
  const bool english = language == "en";
  ClarifyingQuestion q;
  for (const std::string& type : service_types) {
    for (const Wording& w : kWordings) {
      if (w.type == type) q.options.push_back({{type}, std::string(english ? w.en : w.zh)});
    }
  }
  if (q.options.size() < 2) {
    q.options.clear();
    return q;
  }
  ClarifyingOption all;
  for (const ClarifyingOption& o : q.options) all.service_types.push_back(o.service_types[0]);
  all.label = english ? (q.options.size() == 2 ? "Both" : "All of these") : (q.options.size() == 2 ? "两样都需要" : "以上都需要");
  q.options.push_back(std::move(all));
  q.question = english ? "Which kind of help do you need most?" : "您最需要的是哪一种帮助？";
  return q;
}

}  // namespace iisc
