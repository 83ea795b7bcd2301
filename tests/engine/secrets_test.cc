#include "engine/secrets.h"

#include <gtest/gtest.h>

#include <string>

namespace iisc {
namespace {

TEST(SecretsTest, Sha256HexIsTheStandardDigest) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SecretsTest, RandomHexHasTwoLowerCaseDigitsAByteAndDiffers) {
  const std::string a = RandomHex(32), b = RandomHex(32);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
  EXPECT_EQ(RandomHex(0), "");
}

TEST(SecretsTest, ConstantTimeEqualsComparesLengthAndContent) {
  EXPECT_TRUE(ConstantTimeEquals("token", "token"));
  EXPECT_FALSE(ConstantTimeEquals("token", "tokem"));
  EXPECT_FALSE(ConstantTimeEquals("token", "token2"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(SecretsTest, SealedSecretComesBackOnlyWithItsKeyAndContext) {
  const std::string secret = RandomHex(32);  // an access token: 64 characters
  const std::string sealed = SealSecret(secret, "idem-key", "need");
  EXPECT_EQ(sealed.size(), 2 * secret.size());
  EXPECT_EQ(sealed.find(secret), std::string::npos);
  EXPECT_EQ(UnsealSecret(sealed, "idem-key", "need"), secret);
  EXPECT_NE(UnsealSecret(sealed, "other-key", "need"), secret);
  EXPECT_NE(UnsealSecret(sealed, "idem-key", "other"), secret);
  // Not a seal: odd length, not hex, longer than the pad.
  EXPECT_EQ(UnsealSecret(sealed.substr(1), "idem-key", "need"), "");
  EXPECT_EQ(UnsealSecret("zz", "idem-key", "need"), "");
  EXPECT_EQ(UnsealSecret(std::string(130, '0'), "idem-key", "need"), "");
}

}  // namespace
}  // namespace iisc
