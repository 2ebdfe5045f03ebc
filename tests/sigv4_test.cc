// AWS Signature Version 4 against the published AWS test suite (tests/data/sigv4, unmodified): for
// every case the canonical request, the string to sign and the Authorization header match byte for
// byte. Then what a server needs: verify() accepts the signed vectors and refuses any change that
// matters, and parse_authorization() names the part it refuses.
#include "fakes/wire/sigv4.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace tenantsim::wire {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// The suite's fixed inputs (its README): one key, one scope, one instant.
constexpr std::string_view kAmzDate = "20150830T123600Z";
constexpr std::string_view kAccessKey = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kMismatch[] = "does not match the signature you provided";

SigV4Scope suite_scope() { return {.date = "20150830", .region = "us-east-1", .service = "service"}; }
SigV4Credentials suite_credentials(std::string session_token = {}) {
  return {.access_key = std::string(kAccessKey), .secret_key = std::string(kSecret),
          .session_token = std::move(session_token)};
}

struct VectorCase {
  std::string name;
  fs::path dir;
};
void PrintTo(const VectorCase& c, std::ostream* os) { *os << c.name; }

fs::path file(const VectorCase& c, std::string_view extension) { return c.dir / (c.name + std::string(extension)); }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ADD_FAILURE() << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every NAME/NAME.req under the data folder, wherever the suite nests it.
std::vector<VectorCase> vector_cases() {
  std::vector<VectorCase> cases;
  std::error_code error;
  for (const auto& entry : fs::recursive_directory_iterator(TENANTSIM_SIGV4_DIR, error))
    if (entry.path().extension() == ".req")
      cases.push_back({.name = entry.path().stem().string(), .dir = entry.path().parent_path()});
  std::sort(cases.begin(), cases.end(), [](const VectorCase& a, const VectorCase& b) { return a.name < b.name; });
  return cases;
}

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::string header_value(const Headers& headers, std::string_view name) {
  for (const auto& header : headers)
    if (same_name(header.first, name)) return header.second;
  return {};
}

// The request as the server receives it: sign()'s headers replace those of the same name.
SignableRequest with_headers(SignableRequest request, const Headers& added) {
  for (const auto& header : added) {
    std::erase_if(request.headers, [&](const auto& existing) { return same_name(existing.first, header.first); });
    request.headers.push_back(header);
  }
  return request;
}

// A .req file: the request line, header lines (one starting with a space or tab continues the one
// before), an empty line, the body. Lines end in "\n" or "\r\n"; the last may have no end at all.
SignableRequest parse_request(const std::string& text) {
  SignableRequest request;
  bool request_line = true;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() + 1 : end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (request_line) {
      // The target sits between the first and the last space: get-space's has a space in it.
      const size_t first = line.find(' ');
      const size_t last = line.rfind(' ');
      request.method = line.substr(0, first);
      const std::string target = line.substr(first + 1, last - first - 1);
      const size_t question = target.find('?');
      request.path = target.substr(0, question);
      if (question != std::string::npos) request.query = target.substr(question + 1);
      request_line = false;
    } else if (line.empty()) {
      if (pos < text.size()) request.body = text.substr(pos);
      break;
    } else if ((line.front() == ' ' || line.front() == '\t') && !request.headers.empty()) {
      request.headers.back().second += "\n" + line;
    } else {
      const size_t colon = line.find(':');
      request.headers.emplace_back(line.substr(0, colon), colon == std::string::npos ? "" : line.substr(colon + 1));
    }
  }
  return request;
}

// As the suite's own runners do: the credentials carry a session token exactly when the canonical
// request signs one (get-vanilla-with-session-token, whose .req leaves adding it to the signer).
std::string session_token_in(const std::string& creq) {
  const std::string key = "\nx-amz-security-token:";
  const size_t at = creq.find(key);
  if (at == std::string::npos) return {};
  const size_t start = at + key.size();
  return creq.substr(start, creq.find('\n', start) - start);
}

class PublishedVector : public ::testing::TestWithParam<VectorCase> {};

TEST_P(PublishedVector, CanonicalRequestStringToSignAndAuthorizationMatch) {
  const VectorCase& c = GetParam();
  const std::string expected_creq = read_file(file(c, ".creq"));
  const std::string expected_authz = read_file(file(c, ".authz"));
  const SigV4Credentials credentials = suite_credentials(session_token_in(expected_creq));
  SignableRequest request = parse_request(read_file(file(c, ".req")));
  if (!credentials.session_token.empty() && header_value(request.headers, "x-amz-security-token").empty())
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);

  const auto parsed = parse_authorization(expected_authz);
  const auto* auth = std::get_if<ParsedAuthorization>(&parsed);
  ASSERT_NE(auth, nullptr) << std::get<std::string>(parsed);
  const std::string creq = canonical_request(request, auth->signed_headers, payload_hash(request));
  EXPECT_EQ(creq, expected_creq);
  const std::string sts = string_to_sign(kAmzDate, suite_scope(), creq);
  EXPECT_EQ(sts, read_file(file(c, ".sts")));
  EXPECT_EQ(signature(kSecret, suite_scope(), sts), auth->signature);

  const Headers added = sign(request, credentials, suite_scope(), kAmzDate);
  EXPECT_EQ(header_value(added, "Authorization"), expected_authz);
  EXPECT_EQ(header_value(added, "X-Amz-Date"), kAmzDate);
  EXPECT_EQ(verify(with_headers(request, added), *auth, kSecret), "");
}

INSTANTIATE_TEST_SUITE_P(Aws4Testsuite, PublishedVector, ::testing::ValuesIn(vector_cases()),
                         [](const ::testing::TestParamInfo<VectorCase>& param_info) {
                           std::string name = param_info.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// A moved or emptied data folder must fail here rather than leave the suite above with no cases.
TEST(PublishedVectors, AreAllPresent) {
  std::set<std::string> names;
  for (const VectorCase& c : vector_cases()) names.insert(c.name);
  EXPECT_EQ(names.size(), 34u);
  for (const char* required :
       {"get-vanilla", "get-vanilla-query", "get-vanilla-query-order-key-case", "get-vanilla-query-order-value",
        "get-vanilla-query-unreserved", "get-vanilla-utf8-query", "get-vanilla-empty-query-key", "get-utf8",
        "get-space", "get-header-key-duplicate", "get-header-value-order", "get-header-value-trim",
        "get-header-value-multiline", "post-vanilla", "post-vanilla-query", "post-x-www-form-urlencoded",
        "post-x-www-form-urlencoded-parameters", "post-header-key-case", "post-header-key-sort",
        "post-header-value-case", "get-relative", "get-slash", "get-slashes", "get-slash-dot-slash",
        "get-relative-relative", "get-slash-pointless-dot", "post-sts-header-before", "post-sts-header-after",
        "get-vanilla-with-session-token"})
    EXPECT_TRUE(names.contains(required)) << required;
}

// A request signed with the suite's credentials, as the server receives it.
struct SignedCase {
  SignableRequest request;
  ParsedAuthorization auth;
};
SignedCase signed_request(SignableRequest request) {
  const Headers added = sign(request, suite_credentials(), suite_scope(), kAmzDate);
  return {.request = with_headers(std::move(request), added),
          .auth = std::get<ParsedAuthorization>(parse_authorization(header_value(added, "Authorization")))};
}
SignedCase signed_case(const std::string& name) {
  const VectorCase c{.name = name, .dir = fs::path(TENANTSIM_SIGV4_DIR) / name};
  return signed_request(parse_request(read_file(file(c, ".req"))));
}

TEST(Verify, RejectsAChangedBody) {
  SignedCase s = signed_case("post-x-www-form-urlencoded");
  ASSERT_EQ(verify(s.request, s.auth, kSecret), "");
  s.request.body = "Param1=value2";
  EXPECT_THAT(verify(s.request, s.auth, kSecret), HasSubstr(kMismatch));
}

TEST(Verify, RejectsAChangedSignedHeaderButNotAnAddedUnsignedOne) {
  SignedCase s = signed_case("get-header-value-trim");
  s.request.headers.emplace_back("User-Agent", "added after signing");
  ASSERT_EQ(verify(s.request, s.auth, kSecret), "");
  for (auto& header : s.request.headers)
    if (same_name(header.first, "My-Header1")) header.second = "value2";
  EXPECT_THAT(verify(s.request, s.auth, kSecret), HasSubstr(kMismatch));
}

TEST(Verify, RejectsAChangedPathOrQuery) {
  SignedCase s = signed_case("get-vanilla-query-order-value");
  s.request.query = "Param1=value2&Param1=value3";
  EXPECT_THAT(verify(s.request, s.auth, kSecret), HasSubstr(kMismatch));
  s = signed_case("get-slashes");
  s.request.path = "/other/";
  EXPECT_THAT(verify(s.request, s.auth, kSecret), HasSubstr(kMismatch));
}

TEST(Verify, RejectsAWrongSecret) {
  const SignedCase s = signed_case("get-vanilla");
  EXPECT_THAT(verify(s.request, s.auth, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ"), HasSubstr(kMismatch));
}

TEST(Verify, RejectsAMissingSignedHeader) {
  SignedCase s = signed_case("post-header-key-sort");
  std::erase_if(s.request.headers, [](const auto& header) { return same_name(header.first, "My-Header1"); });
  EXPECT_THAT(verify(s.request, s.auth, kSecret), HasSubstr("'my-header1', which the request does not carry"));
}

TEST(Verify, RejectsADateOutsideTheCredentialScope) {
  SignedCase s = signed_case("get-vanilla");
  for (auto& header : s.request.headers)
    if (same_name(header.first, "X-Amz-Date")) header.second = "20150831T123600Z";
  EXPECT_THAT(verify(s.request, s.auth, kSecret), HasSubstr("Date in Credential scope does not match"));
}

// A declared payload hash is signed in place of the body, so the body is checked against it.
TEST(Verify, ChecksTheBodyAgainstADeclaredPayloadHash) {
  SignableRequest request{.method = "PUT", .path = "/", .query = "",
                          .headers = {{"Host", "example.amazonaws.com"},
                                      {"x-amz-content-sha256", sha256_hex("original")}},
                          .body = "original"};
  SignedCase s = signed_request(std::move(request));
  ASSERT_EQ(verify(s.request, s.auth, kSecret), "");
  s.request.body = "changed";
  EXPECT_THAT(verify(s.request, s.auth, kSecret), HasSubstr("x-amz-content-sha256"));
}

TEST(PayloadHash, IsTheDeclaredHeaderElseTheBodysHash) {
  SignableRequest request{.method = "PUT", .path = "/", .query = "", .headers = {}, .body = "abc"};
  EXPECT_EQ(payload_hash(request), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  request.headers.emplace_back("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD");
  EXPECT_EQ(payload_hash(request), "UNSIGNED-PAYLOAD");
}

// The second line of the canonical request for `path`.
std::string canonical_uri_of(std::string path, PathRule rule) {
  const SignableRequest request{.method = "GET", .path = std::move(path), .query = "",
                                .headers = {{"Host", "example.amazonaws.com"}}, .body = ""};
  const std::string creq = canonical_request(request, {"host"}, "UNSIGNED-PAYLOAD", rule);
  const size_t start = creq.find('\n') + 1;
  return creq.substr(start, creq.find('\n', start) - start);
}

// The suite's paths are raw; on the wire they arrive encoded, and every service but S3 encodes
// them once more.
TEST(CanonicalUri, DoubleEncodesAndNormalisesForEveryServiceButS3) {
  EXPECT_EQ(canonical_uri_of("/a%20b//c/./d/../e", PathRule::kEveryServiceButS3), "/a%2520b/c/e");
  EXPECT_EQ(canonical_uri_of("/a%20b//c/./d/../e", PathRule::kS3), "/a%20b//c/./d/../e");
  EXPECT_EQ(canonical_uri_of("", PathRule::kEveryServiceButS3), "/");
  EXPECT_EQ(canonical_uri_of("", PathRule::kS3), "/");
  EXPECT_EQ(canonical_uri_of("/../..", PathRule::kEveryServiceButS3), "/");
}

TEST(CanonicalQuery, DecodesReencodesAndSortsOnTheEncodedForm) {
  const SignableRequest request{.method = "GET", .path = "/", .query = "b=2&a=%41&&c&a+b=x=y",
                                .headers = {{"Host", "example.amazonaws.com"}}, .body = ""};
  const std::string creq = canonical_request(request, {"host"}, "UNSIGNED-PAYLOAD");
  EXPECT_THAT(creq, HasSubstr("\na=A&a%2Bb=x%3Dy&b=2&c=\n"));
}

TEST(ParseAuthorization, ReadsEveryPart) {
  const auto parsed = parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host;my-header1;x-amz-date, "
      "Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea");
  const auto* auth = std::get_if<ParsedAuthorization>(&parsed);
  ASSERT_NE(auth, nullptr) << std::get<std::string>(parsed);
  EXPECT_EQ(auth->access_key, "AKIDEXAMPLE");
  EXPECT_EQ(auth->scope.date, "20150830");
  EXPECT_EQ(auth->scope.region, "us-east-1");
  EXPECT_EQ(auth->scope.service, "service");
  EXPECT_EQ(auth->signed_headers, (std::vector<std::string>{"host", "my-header1", "x-amz-date"}));
  EXPECT_EQ(auth->signature, "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea");
}

TEST(ParseAuthorization, NamesTheMalformedPart) {
  const std::string credential = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
  const std::string headers = "SignedHeaders=host;x-amz-date";
  const std::string sig = "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
  const std::string algorithm = "AWS4-HMAC-SHA256 ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "algorithm ''"},
      {"AWS4-HMAC-SHA1 " + credential + ", " + headers + ", " + sig, "algorithm 'AWS4-HMAC-SHA1'"},
      {"AWS4-HMAC-SHA256", "missing Credential"},
      {algorithm + headers + ", " + sig, "missing Credential"},
      {algorithm + credential + ", " + sig, "missing SignedHeaders"},
      {algorithm + credential + ", " + headers, "missing Signature"},
      {algorithm + credential + ", " + headers + ", " + sig + ", Colour=blue", "unknown part 'Colour'"},
      {algorithm + credential + ", " + headers + ", " + sig + ", " + sig, "Signature given twice"},
      {algorithm + credential + "/extra, " + headers + ", " + sig, "Credential '"},
      {algorithm + "Credential=AKIDEXAMPLE/20150830/us-east-1/service, " + headers + ", " + sig, "Credential '"},
      {algorithm + "Credential=AKIDEXAMPLE/2015-08-30/us-east-1/service/aws4_request, " + headers + ", " + sig,
       "Credential date '2015-08-30'"},
      {algorithm + "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws5_request, " + headers + ", " + sig,
       "Credential must end in /aws4_request"},
      {algorithm + credential + ", SignedHeaders=, " + sig, "SignedHeaders ''"},
      {algorithm + credential + ", SignedHeaders=Host;x-amz-date, " + sig, "SignedHeaders 'Host;x-amz-date'"},
      {algorithm + credential + ", SignedHeaders=x-amz-date, " + sig, "must include host"},
      {algorithm + credential + ", " + headers + ", Signature=5FA00FA3", "Signature '5FA00FA3'"},
      {algorithm + credential + ", " + headers + ", Signature", "'Signature' is not NAME=VALUE"},
  };
  for (const auto& [header, expected] : cases) {
    const auto parsed = parse_authorization(header);
    const auto* error = std::get_if<std::string>(&parsed);
    ASSERT_NE(error, nullptr) << header;
    EXPECT_THAT(*error, HasSubstr(expected)) << header;
  }
}

}  // namespace
}  // namespace tenantsim::wire
