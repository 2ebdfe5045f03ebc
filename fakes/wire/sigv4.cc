#include "fakes/wire/sigv4.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <optional>
#include <stdexcept>

namespace tenantsim::wire {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
constexpr std::string_view kMismatch =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details.";

// ASCII only, never the locale: the canonical form must not depend on where the process runs.
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_' || c == '.' ||
         c == '~';
}
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Keeps empty parts: callers decide whether "a//b" or "x&&y" mean something.
std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

std::string join(const std::vector<std::string>& parts, char separator) {
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

std::string hex(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (const char c : raw) {
    const auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4];
    out += kDigits[b & 0xF];
  }
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), out, &len) == nullptr)
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(out), len);
}

// Every byte but the RFC 3986 unreserved set becomes %XX, upper-case hex, as AWS requires.
std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += c;
      continue;
    }
    const auto b = static_cast<unsigned char>(c);
    out += '%';
    out += kDigits[b >> 4];
    out += kDigits[b & 0xF];
  }
  return out;
}

// Only well-formed %XX escapes decode; '+' stays '+' (SigV4 is not form encoding), so a client
// that sent "a+b" and one that sent "a%2Bb" sign the same canonical query.
std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const int high = s[i] == '%' && i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
    const int low = high >= 0 ? hex_value(s[i + 2]) : -1;
    if (low < 0) {
      out += s[i];
      continue;
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

// Drops '.' and empty segments, resolves '..', keeps a trailing '/' (the suite's get-slashes:
// "//example//" is "/example/"). A '..' above the root stays at the root.
std::string normalized_path(std::string_view path) {
  std::vector<std::string_view> kept;
  for (const std::string_view segment : split(path, '/')) {
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
    } else if (!segment.empty() && segment != ".") {
      kept.push_back(segment);
    }
  }
  std::string out;
  for (const std::string_view segment : kept) {
    out += '/';
    out += segment;
  }
  if (out.empty() || path.ends_with('/')) out += '/';
  return out;
}

// The path on the wire is already encoded once, so encoding it here is AWS's "double encoding":
// "/a%20b" signs as "/a%2520b". The suite's paths are raw ("/example space/"), which this
// encodes once, as the suite expects.
std::string canonical_uri(std::string_view path, PathRule rule) {
  if (rule == PathRule::kS3) return path.empty() ? std::string("/") : std::string(path);
  return uri_encode(normalized_path(path), /*keep_slash=*/true);
}

// Names and values are decoded and re-encoded so that any legal spelling of the same query signs
// the same; sorted on the encoded form (the suite's get-vanilla-query-order-encoded puts %E1...
// before "Param"). A name without '=' has an empty value.
std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  for (const std::string_view param : split(query, '&')) {
    if (param.empty()) continue;
    const size_t eq = param.find('=');
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
    params.emplace_back(uri_encode(percent_decode(param.substr(0, eq)), false), uri_encode(percent_decode(value), false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (size_t i = 0; i < params.size(); ++i) {
    if (i > 0) out += '&';
    out += params[i].first;
    out += '=';
    out += params[i].second;
  }
  return out;
}

// Trimmed, with every run of whitespace (folded line breaks included) one space. Quotes get no
// exception: the suite's get-header-value-trim signs "a   b   c" (quoted) as "a b c".
std::string canonical_value(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (const char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::optional<std::string_view> find_header(const Headers& headers, std::string_view lower_name) {
  for (const auto& [name, value] : headers)
    if (lower(name) == lower_name) return value;
  return std::nullopt;
}

std::string credential_scope(const SigV4Scope& scope) {
  return fmt::format("{}/{}/{}/{}", scope.date, scope.region, scope.service, kTerminator);
}

// `headers` rather than request.headers, so sign() can canonicalise the headers as they will be
// sent without copying the body.
std::string build_canonical_request(const SignableRequest& request, const Headers& headers,
                                    const std::vector<std::string>& signed_headers, std::string_view hashed_payload,
                                    PathRule rule) {
  std::string out = fmt::format("{}\n{}\n{}\n", request.method, canonical_uri(request.path, rule),
                                canonical_query(request.query));
  for (const std::string& signed_name : signed_headers) {
    out += signed_name;
    out += ':';
    bool first = true;
    for (const auto& [name, value] : headers) {
      if (lower(name) != signed_name) continue;
      if (!first) out += ',';
      out += canonical_value(value);
      first = false;
    }
    out += '\n';
  }
  out += '\n';
  out += join(signed_headers, ';');
  out += '\n';
  out += hashed_payload;
  return out;
}

bool is_date(std::string_view s) { return s.size() == 8 && std::all_of(s.begin(), s.end(), is_digit); }
bool is_amz_date(std::string_view s) {
  return s.size() == 16 && is_date(s.substr(0, 8)) && s[8] == 'T' && s[15] == 'Z' &&
         std::all_of(s.begin() + 9, s.begin() + 15, is_digit);
}
bool is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

}  // namespace

std::string uri_encode_component(std::string_view s) { return uri_encode(s, false); }

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return hex(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string payload_hash(const SignableRequest& request) {
  if (const auto declared = find_header(request.headers, "x-amz-content-sha256")) return std::string(trim(*declared));
  return sha256_hex(request.body);
}

std::string canonical_request(const SignableRequest& request, const std::vector<std::string>& signed_headers,
                              std::string_view hashed_payload, PathRule rule) {
  return build_canonical_request(request, request.headers, signed_headers, hashed_payload, rule);
}

std::string string_to_sign(std::string_view amz_date, const SigV4Scope& scope, std::string_view creq) {
  return fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date, credential_scope(scope), sha256_hex(creq));
}

std::string signature(std::string_view secret_key, const SigV4Scope& scope, std::string_view to_sign) {
  std::string key = hmac(fmt::format("AWS4{}", secret_key), scope.date);
  key = hmac(key, scope.region);
  key = hmac(key, scope.service);
  key = hmac(key, kTerminator);
  return hex(hmac(key, to_sign));
}

Headers sign(const SignableRequest& request, const SigV4Credentials& credentials, const SigV4Scope& scope,
             std::string_view amz_date, PathRule rule) {
  Headers added{{"X-Amz-Date", std::string(amz_date)}};
  if (!credentials.session_token.empty()) added.emplace_back("X-Amz-Security-Token", credentials.session_token);

  Headers sent;
  for (const auto& header : request.headers) {
    const std::string name = lower(header.first);
    const bool replaced = name == "authorization" || name == "x-amz-date" ||
                          (name == "x-amz-security-token" && !credentials.session_token.empty());
    if (!replaced) sent.push_back(header);
  }
  sent.insert(sent.end(), added.begin(), added.end());

  std::vector<std::string> signed_headers{"host"};
  for (const auto& header : sent) signed_headers.push_back(lower(header.first));
  std::sort(signed_headers.begin(), signed_headers.end());
  signed_headers.erase(std::unique(signed_headers.begin(), signed_headers.end()), signed_headers.end());

  const std::string creq = build_canonical_request(request, sent, signed_headers, payload_hash(request), rule);
  const std::string hex_signature = signature(credentials.secret_key, scope, string_to_sign(amz_date, scope, creq));
  added.emplace_back("Authorization",
                     fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm,
                                 credentials.access_key, credential_scope(scope), join(signed_headers, ';'),
                                 hex_signature));
  return added;
}

std::variant<ParsedAuthorization, std::string> parse_authorization(std::string_view header) {
  header = trim(header);
  const size_t space = header.find(' ');
  const std::string_view algorithm = header.substr(0, space);
  if (algorithm != kAlgorithm)
    return fmt::format("Authorization: algorithm '{}' is not supported, only {}", algorithm, kAlgorithm);

  std::optional<std::string_view> credential;
  std::optional<std::string_view> signed_list;
  std::optional<std::string_view> hex_signature;
  const std::string_view rest = space == std::string_view::npos ? std::string_view() : header.substr(space + 1);
  for (std::string_view part : split(rest, ',')) {
    part = trim(part);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) return fmt::format("Authorization: '{}' is not NAME=VALUE", part);
    const std::string_view name = part.substr(0, eq);
    std::optional<std::string_view>* slot = name == "Credential"      ? &credential
                                            : name == "SignedHeaders" ? &signed_list
                                            : name == "Signature"     ? &hex_signature
                                                                      : nullptr;
    if (slot == nullptr) return fmt::format("Authorization: unknown part '{}'", name);
    if (slot->has_value()) return fmt::format("Authorization: {} given twice", name);
    *slot = part.substr(eq + 1);
  }
  if (!credential) return std::string("Authorization: missing Credential");
  if (!signed_list) return std::string("Authorization: missing SignedHeaders");
  if (!hex_signature) return std::string("Authorization: missing Signature");

  const std::vector<std::string_view> fields = split(*credential, '/');
  if (fields.size() != 5 || std::any_of(fields.begin(), fields.end(), [](std::string_view f) { return f.empty(); }))
    return fmt::format("Authorization: Credential '{}' is not ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request",
                       *credential);
  if (!is_date(fields[1])) return fmt::format("Authorization: Credential date '{}' is not YYYYMMDD", fields[1]);
  if (fields[4] != kTerminator)
    return fmt::format("Authorization: Credential must end in /{}, not /{}", kTerminator, fields[4]);

  std::vector<std::string> signed_headers;
  for (const std::string_view name : split(*signed_list, ';')) {
    if (name.empty() || lower(name) != name)
      return fmt::format("Authorization: SignedHeaders '{}' is not lower-case names separated by ';'", *signed_list);
    signed_headers.emplace_back(name);
  }
  // Without host, a signature could be replayed against any endpoint that shares the secret.
  if (std::find(signed_headers.begin(), signed_headers.end(), "host") == signed_headers.end())
    return fmt::format("Authorization: SignedHeaders '{}' must include host", *signed_list);

  if (hex_signature->size() != 64 || !std::all_of(hex_signature->begin(), hex_signature->end(), is_lower_hex))
    return fmt::format("Authorization: Signature '{}' is not 64 lower-case hex digits", *hex_signature);

  return ParsedAuthorization{
      .access_key = std::string(fields[0]),
      .scope = {.date = std::string(fields[1]), .region = std::string(fields[2]), .service = std::string(fields[3])},
      .signed_headers = std::move(signed_headers),
      .signature = std::string(*hex_signature),
  };
}

std::string verify(const SignableRequest& request, const ParsedAuthorization& auth, std::string_view secret_key,
                   PathRule rule) {
  const auto header_date = find_header(request.headers, "x-amz-date");
  if (!header_date) return "The request has no X-Amz-Date header, which SigV4 requires";
  const std::string_view amz_date = trim(*header_date);
  if (!is_amz_date(amz_date)) return fmt::format("X-Amz-Date '{}' is not YYYYMMDDTHHMMSSZ", amz_date);
  if (amz_date.substr(0, 8) != auth.scope.date)
    return fmt::format(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', "
        "from '{}'.",
        auth.scope.date, amz_date.substr(0, 8), amz_date);
  // Unsigned, the date could be moved by whoever replays the request, past the caller's skew check.
  if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), "x-amz-date") == auth.signed_headers.end())
    return "SignedHeaders must include x-amz-date";
  for (const std::string& name : auth.signed_headers)
    if (!find_header(request.headers, name))
      return fmt::format("SignedHeaders names '{}', which the request does not carry", name);

  // A declared payload hash is what gets signed, so the body must match it or it travels unsigned.
  const std::string hashed_payload = payload_hash(request);
  if (hashed_payload != kUnsignedPayload && hashed_payload != sha256_hex(request.body))
    return "The provided 'x-amz-content-sha256' header does not match what was computed.";

  const std::string creq = canonical_request(request, auth.signed_headers, hashed_payload, rule);
  const std::string expected = signature(secret_key, auth.scope, string_to_sign(amz_date, auth.scope, creq));
  if (expected.size() != auth.signature.size() ||
      CRYPTO_memcmp(expected.data(), auth.signature.data(), expected.size()) != 0)
    return std::string(kMismatch);
  return {};
}

}  // namespace tenantsim::wire
