#include "models/text.h"

#include <algorithm>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace iisc {
namespace {

std::unique_ptr<Analyzer> MakeAnalyzer() {
  auto analyzer = Analyzer::Create();
  EXPECT_TRUE(analyzer.ok()) << analyzer.status().ToString();
  return std::move(analyzer).value();
}

// Tokens as "text/kind" strings, for readable expectations.
std::vector<std::string> Describe(const std::vector<Token>& tokens) {
  std::vector<std::string> out;
  for (const Token& token : tokens) {
    const char* kind = token.kind == TokenKind::kWord     ? "w"
                       : token.kind == TokenKind::kBigram ? "b"
                                                          : "n";
    out.push_back(token.text + "/" + kind);
  }
  return out;
}

bool Has(const std::vector<Token>& tokens, std::string_view text, TokenKind kind) {
  return std::any_of(tokens.begin(), tokens.end(),
                     [&](const Token& t) { return t.text == text && t.kind == kind; });
}

bool HasText(const std::vector<Token>& tokens, std::string_view text) {
  return std::any_of(tokens.begin(), tokens.end(), [&](const Token& t) { return t.text == text; });
}

TEST(TextLanguageTest, LatinLettersMustOutnumberHanFourToOne) {
  EXPECT_EQ(TextLanguage("新出的镜架款被人抄了"), "zh");
  EXPECT_EQ(TextLanguage("cash is short for the new line"), "en");
  EXPECT_EQ(TextLanguage("valve company 需要 PED certification for EU"), "en");
  EXPECT_EQ(TextLanguage("buyer说要third party report"), "en");
  EXPECT_EQ(TextLanguage("客户要UL认证"), "zh");
  EXPECT_EQ(TextLanguage("。。！！"), "zh");
  EXPECT_EQ(TextLanguage("\xff\xfe"), "zh");
}

TEST(NormalizeTextTest, FoldsWidthAndCase) {
  EXPECT_EQ(NormalizeText("ＡＢＣ１２３"), "abc123");
  EXPECT_EQ(NormalizeText("IEC 60947 CE"), "iec 60947 ce");
  EXPECT_EQ(NormalizeText("检测，认证！"), "检测,认证!");
  EXPECT_EQ(NormalizeText("Straße"), "strasse");
  EXPECT_EQ(NormalizeText("ﬁle ①"), "file 1");
  EXPECT_EQ(NormalizeText(""), "");
}

TEST(NormalizeTextTest, ReplacesInvalidUtf8) {
  EXPECT_EQ(NormalizeText("a\xFFz"), "a\uFFFDz");
  EXPECT_EQ(NormalizeText("检\xE6\xA3"), "检\uFFFD");
}

TEST(NormalizeTextTest, IsIdempotent) {
  for (std::string_view text : {"ＡＢＣ１２３ Straße ﬁ", "断路器 CE认证 ＵＬ", "a\xFF\xE6\xA3 ①②"}) {
    const std::string once = NormalizeText(text);
    EXPECT_EQ(NormalizeText(once), once) << text;
  }
}

TEST(Utf8Test, CountsCodePoints) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CountCodePoints("abc"), 3u);
  EXPECT_EQ(CountCodePoints("检测abc"), 5u);
  EXPECT_EQ(CountCodePoints("😀"), 1u);
  EXPECT_EQ(CountCodePoints("a\xFF\xFE"), 3u);  // invalid bytes count one each
  EXPECT_EQ(CountCodePoints("\xE6\xA3"), 2u);
}

TEST(Utf8Test, ValidatesUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("检测 ＣＥ 😀 \x7f"));
  EXPECT_FALSE(IsValidUtf8("\x80"));
  EXPECT_FALSE(IsValidUtf8("\xE6\xA3"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));   // U+10FFFF
}

TEST(StemEnglishTest, StripsPluralsAndVerbForms) {
  EXPECT_EQ(StemEnglish("testing"), "test");
  EXPECT_EQ(StemEnglish("tests"), "test");
  EXPECT_EQ(StemEnglish("tested"), "test");
  EXPECT_EQ(StemEnglish("batteries"), "battery");
  EXPECT_EQ(StemEnglish("processes"), "process");
  EXPECT_EQ(StemEnglish("boxes"), "box");
  EXPECT_EQ(StemEnglish("switches"), "switch");
  EXPECT_EQ(StemEnglish("cutting"), "cut");
  EXPECT_EQ(StemEnglish("fittings"), "fit");
}

TEST(StemEnglishTest, RelatedFormsShareAStem) {
  const std::string certif = StemEnglish("certification");
  EXPECT_EQ(StemEnglish("certifications"), certif);
  EXPECT_EQ(StemEnglish("certified"), certif);
  EXPECT_EQ(StemEnglish("certify"), certif);
  for (std::string_view word : {"automated", "automate", "automating"}) {
    EXPECT_EQ(StemEnglish(word), StemEnglish("automation")) << word;
  }
  EXPECT_EQ(StemEnglish("packaging"), StemEnglish("package"));
  EXPECT_EQ(StemEnglish("services"), StemEnglish("service"));
  EXPECT_EQ(StemEnglish("valves"), StemEnglish("valve"));
  EXPECT_EQ(StemEnglish("manufacturing"), StemEnglish("manufacture"));
  EXPECT_EQ(StemEnglish("lenses"), StemEnglish("lens"));
}

TEST(StemEnglishTest, LeavesWordsItWouldDamage) {
  for (std::string_view word : {"cnas", "status", "analysis", "glass", "string", "need",
                                "speed", "ce", "ul", "iec", "led", "gas", "free", "series"}) {
    EXPECT_EQ(StemEnglish(word), word);
  }
  EXPECT_EQ(StemEnglish("station"), "station");
  EXPECT_EQ(StemEnglish("stations"), "station");
}

TEST(AnalyzerTest, ChineseGivesDictionaryWordsAndBigrams) {
  const auto tokens = MakeAnalyzer()->Analyze("鞋底防滑检测");
  EXPECT_EQ(Describe(tokens),
            (std::vector<std::string>{"鞋底/w", "鞋底/b", "防滑/w", "底防/b", "防滑/b", "检测/w",
                                      "滑检/b", "检测/b"}));
}

TEST(AnalyzerTest, SingleHanCharacterIsAWord) {
  EXPECT_EQ(Describe(MakeAnalyzer()->Analyze("鞋")), (std::vector<std::string>{"鞋/w"}));
  // Between stop words the run is one character long: no bigram.
  EXPECT_EQ(Describe(MakeAnalyzer()->Analyze("我们做鞋的")), (std::vector<std::string>{"鞋/w"}));
}

TEST(AnalyzerTest, ChineseStopWordsAreDroppedAndCutBigrams) {
  const auto tokens = MakeAnalyzer()->Analyze("我们是乐清的小型断路器厂，产品要出口欧盟，需要做CE认证检测");
  for (std::string_view stop : {"我们", "是", "的", "要", "需要", "做"}) {
    EXPECT_FALSE(HasText(tokens, stop)) << stop;
  }
  for (std::string_view bigram : {"们是", "清的", "要做", "做c"}) EXPECT_FALSE(HasText(tokens, bigram)) << bigram;
  EXPECT_TRUE(Has(tokens, "乐清", TokenKind::kWord));
  EXPECT_TRUE(Has(tokens, "断路", TokenKind::kBigram));
  EXPECT_TRUE(Has(tokens, "路器", TokenKind::kBigram));
  EXPECT_TRUE(Has(tokens, "出口", TokenKind::kWord));
  EXPECT_TRUE(Has(tokens, "欧盟", TokenKind::kWord));
  EXPECT_TRUE(Has(tokens, "ce", TokenKind::kWord));
  EXPECT_TRUE(Has(tokens, "认证", TokenKind::kWord));
  EXPECT_TRUE(Has(tokens, "检测", TokenKind::kWord));
  EXPECT_FALSE(HasText(tokens, ","));
}

TEST(AnalyzerTest, EnglishIsLowercasedStemmedAndFiltered) {
  const auto tokens =
      MakeAnalyzer()->Analyze("We need UL Certifications and EMC Testing for our company's LED drivers");
  EXPECT_EQ(Describe(tokens), (std::vector<std::string>{"ul/w", "certif/w", "emc/w", "test/w",
                                                        "company/w", "led/w", "driver/w"}));
}

TEST(AnalyzerTest, KeepsNumbersAndStandardCodes) {
  const auto tokens = MakeAnalyzer()->Analyze("依据GB/T 14048和IEC 60947-2出具CNAS报告, R&D费用4.7万");
  EXPECT_TRUE(Has(tokens, "gb/t", TokenKind::kNumber));
  EXPECT_TRUE(Has(tokens, "14048", TokenKind::kNumber));
  EXPECT_TRUE(Has(tokens, "iec", TokenKind::kWord));
  EXPECT_TRUE(Has(tokens, "60947", TokenKind::kNumber));
  EXPECT_TRUE(Has(tokens, "2", TokenKind::kNumber));
  EXPECT_TRUE(Has(tokens, "cnas", TokenKind::kWord));
  EXPECT_TRUE(Has(tokens, "r&d", TokenKind::kNumber));
  EXPECT_TRUE(Has(tokens, "4.7", TokenKind::kNumber));
  EXPECT_TRUE(Has(tokens, "报告", TokenKind::kWord));
  // Only a short group and one letter join into a code.
  const auto words = MakeAnalyzer()->Analyze("design/build");
  EXPECT_EQ(Describe(words), (std::vector<std::string>{"design/w", "build/w"}));
}

TEST(AnalyzerTest, FullWidthInputMatchesHalfWidth) {
  const auto analyzer = MakeAnalyzer();
  EXPECT_EQ(Describe(analyzer->Analyze("ＡＢＣ１２３ ＵＬ认证")), Describe(analyzer->Analyze("abc123 UL认证")));
  EXPECT_EQ(Describe(analyzer->Analyze("ＡＢＣ１２３")), (std::vector<std::string>{"abc123/n"}));
}

TEST(AnalyzerTest, MixedTextKeepsOrderOfAppearance) {
  const auto tokens = MakeAnalyzer()->Analyze("LED灯具出口UL认证");
  ASSERT_GE(tokens.size(), 4u);
  EXPECT_EQ(tokens.front().text, "led");
  const auto position = [&](std::string_view text) {
    return std::find_if(tokens.begin(), tokens.end(), [&](const Token& t) { return t.text == text; }) -
           tokens.begin();
  };
  EXPECT_LT(position("led"), position("ul"));
  EXPECT_LT(position("ul"), position("认证"));
  // Latin text interrupts a Han run: no bigram across "ul".
  EXPECT_FALSE(HasText(tokens, "口认"));
}

TEST(AnalyzerTest, EmptyAndPunctuationOnlyGiveNoTokens) {
  const auto analyzer = MakeAnalyzer();
  EXPECT_TRUE(analyzer->Analyze("").empty());
  EXPECT_TRUE(analyzer->Analyze(" ，。!? \n").empty());
  EXPECT_TRUE(analyzer->Analyze("the of and").empty());
}

TEST(AnalyzerTest, InvalidUtf8DoesNotBreakAnalysis) {
  const auto tokens = MakeAnalyzer()->Analyze("检测\xFF认证 test\xE6\xA3ing");
  EXPECT_TRUE(Has(tokens, "检测", TokenKind::kWord));
  EXPECT_TRUE(Has(tokens, "认证", TokenKind::kWord));
  EXPECT_TRUE(HasText(tokens, "test"));
}

TEST(AnalyzerTest, ConcurrentCallsAgree) {
  const auto analyzer = MakeAnalyzer();
  const std::string text = "乐清断路器CE认证检测, EMC testing for relays 60947";
  const auto expected = Describe(analyzer->Analyze(text));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (Describe(analyzer->Analyze(text)) != expected) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : mismatches) EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace iisc
