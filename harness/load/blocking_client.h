// BlockingClient: a small blocking HTTP/1.1 client over one keep-alive connection, with Beast's
// parser for answers: the load driver's setup phase (registration, login) and the server tests,
// which also use its raw socket for requests no well-behaved client would send.
#pragma once

#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <map>
#include <string>

namespace tenantsim::http {

struct Reply {  // an answer as the client saw it
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

class BlockingClient {
 public:
  explicit BlockingClient(uint16_t port, const std::string& host = "127.0.0.1") : host_(host), socket_(ioc_) {
    boost::asio::ip::tcp::resolver resolver(ioc_);
    boost::asio::connect(socket_, resolver.resolve(host, std::to_string(port)));
  }

  Reply request(const std::string& method, const std::string& target, const std::string& token = "",
                const nlohmann::json& body = nullptr, std::map<std::string, std::string> headers = {}) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host_);
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (!body.is_null()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body.dump();
    }
    for (const auto& [k, v] : headers) req.set(k, v);
    req.prepare_payload();
    http::write(socket_, req);
    return read();
  }

  // Sends bytes as they are (for malformed, pipelined or partial requests).
  void send_raw(const std::string& bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }
  void shutdown_send() { socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send); }

  Reply read() {
    namespace http = boost::beast::http;
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res);
    Reply r{static_cast<int>(res.result_int()), {}, res.body()};
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(f.value());
    }
    return r;
  }

  // True when the server has closed the connection (a read meets EOF or a reset).
  bool closed_by_server() {
    boost::system::error_code ec;
    char c;
    socket_.read_some(boost::asio::buffer(&c, 1), ec);
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
  }

 private:
  std::string host_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace tenantsim::http
