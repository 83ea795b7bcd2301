#include "models/request_parts.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/text.h"

namespace iisc {
namespace {

std::vector<RequestPart> Split(const std::string& text) {
  static thread_local std::string normalized;  // the parts point into it
  normalized = NormalizeText(text);
  return SplitRequestParts(normalized);
}

std::vector<std::string> Parts(const std::string& text) {
  std::vector<std::string> out;
  for (const RequestPart& p : Split(text)) out.emplace_back(p.text);
  return out;
}

std::vector<bool> Asks(const std::string& text) {
  std::vector<bool> out;
  for (const RequestPart& p : Split(text)) out.push_back(p.asks);
  return out;
}

TEST(RequestPartsTest, ATextWithoutBoundariesIsOnePart) {
  EXPECT_EQ(Parts("玩具出口欧盟做EN71检测"), std::vector<std::string>{"玩具出口欧盟做en71检测"});
  EXPECT_EQ(Parts("We need EMC testing for our chargers."),
            std::vector<std::string>{"we need emc testing for our chargers."});
  EXPECT_TRUE(Parts("").empty());
}

TEST(RequestPartsTest, ConnectivesStartANewPart) {
  EXPECT_EQ(Parts("想找中东的采购商，再去参加个博览会"),
            (std::vector<std::string>{"想找中东的采购商,", "参加个博览会"}));
  EXPECT_EQ(Parts("想做礼盒包装，另外扩产要贷款").size(), 2u);
  EXPECT_EQ(Parts("培养茶艺师，明年还想去展会").size(), 2u);
  EXPECT_EQ(Parts("检测和认证").size(), 2u);
  EXPECT_EQ(Parts("想申请专利，同时也想找投资").size(), 2u);
}

TEST(RequestPartsTest, CommasAndFullStopsAreNoBoundary) {
  // The first clause sets the scene; only the second asks.
  EXPECT_EQ(Parts("我们有三项发明专利，想申请贷款。").size(), 1u);
  EXPECT_EQ(Parts("We hold patents. We want a loan, soon.").size(), 1u);
}

TEST(RequestPartsTest, CueCharactersInsideWordsAreNoBoundary) {
  // "再生" is recycled, "还款" repayment: not "再去", "还想".
  EXPECT_EQ(Parts("再生塑料还款计划").size(), 1u);
}

TEST(RequestPartsTest, EnglishCuesMustBeWholeWords) {
  EXPECT_EQ(Parts("A booth subsidy and also a bank loan"),
            (std::vector<std::string>{"a booth subsidy ", " a bank loan"}));
  EXPECT_EQ(Parts("testing as well as export help").size(), 2u);
  EXPECT_EQ(Parts("a brand standard for sandals").size(), 1u);  // "and" inside words
  EXPECT_EQ(Parts("plus a design").size(), 1u);                 // nothing before the cue
}

TEST(RequestPartsTest, ListSeparatorsSplitAndEmptyPartsAreDropped) {
  // The full-width semicolon is ';' after normalization.
  EXPECT_EQ(Parts("1. 检测认证；2. 申请专利").size(), 2u);
  EXPECT_EQ(Parts("检测、认证、专利").size(), 3u);
  EXPECT_EQ(Parts("检测\n\n专利").size(), 2u);
  EXPECT_EQ(Parts("另外；、").size(), 0u);
}

TEST(RequestPartsTest, APartDescribingTheEnterpriseDoesNotAsk) {
  EXPECT_EQ(Asks("We make testing equipment and want a bank loan."), (std::vector<bool>{false, true}));
  EXPECT_EQ(Asks("We design handbags and need a trademark registered"), (std::vector<bool>{false, true}));
  EXPECT_EQ(Asks("做滑梯和游乐设施的，想找采购商，再去参加博览会"), (std::vector<bool>{false, true, true}));
}

TEST(RequestPartsTest, AdditiveAndCoordinatedPartsAsk) {
  // After "另外" the part is a request of its own even without a verb.
  EXPECT_EQ(Asks("想做包装设计，另外扩产贷款"), (std::vector<bool>{true, true}));
  // "还想" is "also want": the part before asks too.
  EXPECT_EQ(Asks("出口欧盟做检测，还想参加展会"), (std::vector<bool>{true, true}));
  // Coordinated with a part that asks: "testing and a loan" are both wanted.
  EXPECT_EQ(Asks("We need testing and a loan"), (std::vector<bool>{true, true}));
  EXPECT_EQ(Asks("We'd like a booth, and a loan"), (std::vector<bool>{true, true}));
  // Without any request word the whole text is the request.
  EXPECT_EQ(Asks("展位补贴、贷款"), (std::vector<bool>{true, true}));
}

}  // namespace
}  // namespace iisc
