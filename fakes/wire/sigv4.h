// AWS Signature Version 4 (header form): sign a request as an SDK would, and verify one as an AWS
// endpoint would. Checked against the published AWS SigV4 test suite (tests/data/sigv4).
// Not covered: presigned URLs (query-string auth), chunked payload signing, SigV4a.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tenantsim::wire {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct SigV4Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty for long-term credentials
};

struct SigV4Scope {
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
};

// A request exactly as it goes on the wire: the signature must be computed from what the server
// receives, so nothing here is pre-normalised.
struct SignableRequest {
  std::string method;  // "GET"
  std::string path;    // as sent, without the query
  std::string query;   // as sent, without '?'
  Headers headers;     // as sent: any case, duplicates allowed, values untrimmed
  std::string body;
};

// How the path enters the canonical request. Every service but S3 normalises it ('.', '..', '//')
// and URI-encodes the (already encoded) path again; S3 object keys may legitimately contain '//'
// or '..', so S3 signs the path exactly as sent.
enum class PathRule { kEveryServiceButS3, kS3 };

std::string sha256_hex(std::string_view data);

// RFC 3986 percent-encoding of everything but the unreserved set, as AWS encodes a path segment or a
// query value ("anthropic.claude-v2:1" -> "anthropic.claude-v2%3A1").
std::string uri_encode_component(std::string_view s);

// The x-amz-content-sha256 header when the request carries one (it may say UNSIGNED-PAYLOAD),
// else the SHA-256 of the body.
std::string payload_hash(const SignableRequest& request);

// `signed_headers`: lower-case and sorted, as they appear in SignedHeaders. Values of repeated
// headers are joined with ',' in the order sent.
std::string canonical_request(const SignableRequest& request, const std::vector<std::string>& signed_headers,
                              std::string_view hashed_payload, PathRule rule = PathRule::kEveryServiceButS3);

// `amz_date`: YYYYMMDDTHHMMSSZ; its date is expected to equal scope.date.
std::string string_to_sign(std::string_view amz_date, const SigV4Scope& scope, std::string_view creq);

// Lower-case hex HMAC of `to_sign` under the key derived from the secret and the scope.
std::string signature(std::string_view secret_key, const SigV4Scope& scope, std::string_view to_sign);

// The headers to add to `request`: X-Amz-Date, X-Amz-Security-Token when the credentials carry a
// session token, and Authorization. They replace any header of the same name in the request. Every
// other header present is signed (plus host, which the spec requires), so pass only headers that
// reach the server unchanged.
Headers sign(const SignableRequest& request, const SigV4Credentials& credentials, const SigV4Scope& scope,
             std::string_view amz_date, PathRule rule = PathRule::kEveryServiceButS3);

struct ParsedAuthorization {
  std::string access_key;
  SigV4Scope scope;
  std::vector<std::string> signed_headers;
  std::string signature;  // 64 lower-case hex digits
};

// "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date,
// Signature=<hex>". On failure, a message naming the malformed part.
std::variant<ParsedAuthorization, std::string> parse_authorization(std::string_view header);

// For a server: recomputes the signature of `request` under `auth` and compares in constant time.
// Empty when valid, else the reason, worded like AWS. The caller still owns what needs state: that
// the access key is known (and `secret_key` is its secret), the scope's region and service, and
// that X-Amz-Date is within the allowed clock skew.
std::string verify(const SignableRequest& request, const ParsedAuthorization& auth, std::string_view secret_key,
                   PathRule rule = PathRule::kEveryServiceButS3);

}  // namespace tenantsim::wire
