// The blocking loopback test client (see tcp_client.hpp).
#include "tests/support/tcp_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace parley::test {

namespace {

using clock_type = std::chrono::steady_clock;

std::string errno_text(int err) { return std::strerror(err); }

} // namespace

std::string printable(std::string_view bytes) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\r')
      out += "\\r";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\\')
      out += "\\\\";
    else if (c < 0x20 || c >= 0x7F) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xF];
    } else
      out += ch;
  }
  return out;
}

namespace {

// Long lines are shortened in diagnostics: the start and the length say enough.
std::string shown(std::string_view bytes) {
  constexpr std::size_t limit = 160;
  if (bytes.size() <= limit)
    return printable(bytes);
  return printable(bytes.substr(0, limit)) + "...(" + std::to_string(bytes.size()) + " bytes)";
}

} // namespace

tcp_client::tcp_client(std::uint16_t port, std::string label, int receive_buffer_bytes)
  : port_(port), label_(std::move(label)) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    throw tcp_client_error(label_ + ": socket() failed: " + errno_text(errno));
  // Bound every blocking call: a send (or connect) that cannot proceed fails instead of hanging.
  timeval tv{};
  tv.tv_sec = default_timeout.count() / 1000;
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (receive_buffer_bytes > 0)
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof(receive_buffer_bytes));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    auto err = errno;
    ::close(fd_);
    fd_ = -1;
    throw tcp_client_error(label_ + ": cannot connect to 127.0.0.1:" + std::to_string(port) +
                           ": " + errno_text(err));
  }
  sockaddr_in local{};
  socklen_t len = sizeof(local);
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len) == 0)
    local_port_ = ntohs(local.sin_port);
}

tcp_client::~tcp_client() { close(); }

void tcp_client::send(std::string_view bytes) {
  if (fd_ < 0)
    fail("send on a closed client");
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      fail("send failed: " + errno_text(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void tcp_client::send_line(std::string_view line) {
  std::string s{line};
  s += "\r\n";
  send(s);
}

bool tcp_client::fill(clock_type::time_point deadline) {
  if (fd_ < 0)
    fail("read on a closed client");
  if (peer_closed_)
    return true;
  for (;;) {
    auto now = clock_type::now();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    if (left < 0)
      left = 0;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0) {
      if (errno == EINTR)
        continue;
      fail("poll failed: " + errno_text(errno));
    }
    if (r == 0)
      return false; // timed out
    char tmp[4096];
    auto n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n > 0) {
      buf_.append(tmp, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) {
      peer_closed_ = true;
      close_reason_ = "closed by the server";
      return true;
    }
    if (errno == EINTR || errno == EAGAIN)
      continue;
    peer_closed_ = true;
    close_reason_ = "connection failed: " + errno_text(errno);
    return true;
  }
}

std::optional<std::string> tcp_client::take_line() {
  auto pos = buf_.find('\n');
  if (pos == std::string::npos)
    return std::nullopt;
  if (pos == 0 || buf_[pos - 1] != '\r')
    fail("received a line not terminated by CRLF: \"" + printable(buf_.substr(0, pos + 1)) + "\"");
  std::string line = buf_.substr(0, pos - 1);
  buf_.erase(0, pos + 1);
  transcript_.push_back(line);
  return line;
}

std::optional<std::string> tcp_client::try_read_line(duration timeout) {
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    if (auto line = take_line())
      return line;
    if (peer_closed_)
      return std::nullopt;
    if (!fill(deadline))
      return std::nullopt;
  }
}

std::string tcp_client::read_line(duration timeout) {
  if (auto line = try_read_line(timeout))
    return *line;
  if (peer_closed_)
    fail("expected a line, but the connection ended (" + close_reason_ + ")");
  fail("expected a line, but none came within " + std::to_string(timeout.count()) + " ms");
}

void tcp_client::expect_line(std::string_view expected, duration timeout) {
  auto line = try_read_line(timeout);
  if (!line) {
    fail("expected \"" + printable(expected) + "\", but " +
         (peer_closed_ ? "the connection ended (" + close_reason_ + ")"
                       : "nothing came within " + std::to_string(timeout.count()) + " ms"));
  }
  if (*line != expected)
    fail("expected \"" + shown(expected) + "\", got \"" + shown(*line) + "\"");
}

std::string tcp_client::read_until(const std::function<bool(const std::string&)>& pred,
                                   duration timeout, std::vector<std::string>* skipped) {
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<duration>(deadline - clock_type::now());
    auto line = try_read_line(left.count() > 0 ? left : duration{0});
    if (!line)
      fail(std::string{"the awaited line did not come: "} +
           (peer_closed_ ? "the connection ended (" + close_reason_ + ")"
                         : "timed out after " + std::to_string(timeout.count()) + " ms"));
    if (pred(*line))
      return *line;
    if (skipped)
      skipped->push_back(*line);
  }
}

std::string tcp_client::read_until_prefix(std::string_view prefix, duration timeout,
                                          std::vector<std::string>* skipped) {
  std::string p{prefix};
  try {
    return read_until([&p](const std::string& l) { return l.compare(0, p.size(), p) == 0; },
                      timeout, skipped);
  } catch (const tcp_client_error&) {
    fail("no line starting with \"" + printable(p) + "\" came");
  }
}

void tcp_client::expect_closed(duration timeout) {
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    if (!buf_.empty())
      fail("expected the connection to close, but received \"" + shown(buf_) + "\"");
    if (peer_closed_)
      return;
    if (!fill(deadline))
      fail("expected the connection to close within " + std::to_string(timeout.count()) +
           " ms, but it stayed open");
  }
}

std::string tcp_client::read_rest_until_closed(duration timeout) {
  auto deadline = clock_type::now() + timeout;
  while (!peer_closed_) {
    if (!fill(deadline))
      fail("expected the connection to close within " + std::to_string(timeout.count()) +
           " ms, but it stayed open");
  }
  std::string rest;
  rest.swap(buf_);
  return rest;
}

void tcp_client::expect_nothing(duration quiet) {
  auto deadline = clock_type::now() + quiet;
  if (!buf_.empty())
    fail("expected silence, but received \"" + shown(buf_) + "\"");
  if (peer_closed_)
    fail("expected silence, but the connection ended (" + close_reason_ + ")");
  if (fill(deadline))
    fail(buf_.empty() ? "expected silence, but the connection ended (" + close_reason_ + ")"
                      : "expected silence, but received \"" + shown(buf_) + "\"");
}

void tcp_client::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void tcp_client::abort() {
  if (fd_ >= 0) {
    linger lg{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    ::close(fd_);
    fd_ = -1;
  }
}

std::string tcp_client::received_so_far() const {
  constexpr std::size_t max_lines = 40;
  std::ostringstream os;
  os << "received so far by " << label_ << " (" << transcript_.size() << " lines):";
  if (transcript_.empty())
    os << " none";
  std::size_t first = transcript_.size() > max_lines ? transcript_.size() - max_lines : 0;
  if (first > 0)
    os << "\n    ... " << first << " earlier lines";
  for (std::size_t i = first; i < transcript_.size(); ++i)
    os << "\n    \"" << shown(transcript_[i]) << "\"";
  if (!buf_.empty())
    os << "\n    partial: \"" << shown(buf_) << "\"";
  return os.str();
}

void tcp_client::fail(const std::string& what) const {
  throw tcp_client_error(label_ + " (port " + std::to_string(port_) + "): " + what + "\n  " +
                         received_so_far());
}

} // namespace parley::test
