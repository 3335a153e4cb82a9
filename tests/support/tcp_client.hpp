// A small blocking loopback client for the live-server tests. It connects to 127.0.0.1:port,
// sends raw bytes and reads CRLF-terminated lines, always with a deadline (poll()), never by
// sleeping. Every failure throws tcp_client_error with a message that names what was expected and
// quotes what was received so far, so a failing test says what the server actually sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace parley::test {

struct tcp_client_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class tcp_client {
public:
  using duration = std::chrono::milliseconds;
  static constexpr duration default_timeout{5000};

  /// Connects to 127.0.0.1:`port`; throws tcp_client_error if that fails. `label` names the
  /// client in error messages ("alice"). A non-zero `receive_buffer_bytes` shrinks the socket's
  /// receive buffer (SO_RCVBUF, set before connecting): a client that reads slowly then pushes
  /// back on the server sooner.
  explicit tcp_client(std::uint16_t port, std::string label = "client",
                      int receive_buffer_bytes = 0);
  ~tcp_client();
  tcp_client(const tcp_client&) = delete;
  tcp_client& operator=(const tcp_client&) = delete;

  const std::string& label() const { return label_; }

  /// Sends `bytes` exactly as given (no terminator is added).
  void send(std::string_view bytes);
  /// Sends `line` followed by CRLF.
  void send_line(std::string_view line);

  /// The next line (CRLF or LF stripped), or nothing if none is complete within `timeout` or the
  /// peer closed first.
  std::optional<std::string> try_read_line(duration timeout = default_timeout);

  /// The next line; throws (quoting everything received so far) on timeout or close.
  std::string read_line(duration timeout = default_timeout);

  /// Reads one line and throws unless it equals `expected`.
  void expect_line(std::string_view expected, duration timeout = default_timeout);

  /// Reads lines until one satisfies `pred`; returns that line. The lines skipped on the way are
  /// appended to `skipped` if given. Throws on timeout (the deadline covers the whole search).
  std::string read_until(const std::function<bool(const std::string&)>& pred,
                         duration timeout = default_timeout,
                         std::vector<std::string>* skipped = nullptr);
  /// Reads lines until one starts with `prefix`; returns that line.
  std::string read_until_prefix(std::string_view prefix, duration timeout = default_timeout,
                                std::vector<std::string>* skipped = nullptr);

  /// Waits until the peer closes the connection (EOF or reset). Throws if any byte arrives
  /// instead (also bytes already received but not yet read) or on timeout.
  void expect_closed(duration timeout = default_timeout);

  /// Reads until the peer closes and returns every byte not yet returned as a line (complete
  /// lines and a possibly cut-off last one). Throws on timeout.
  std::string read_rest_until_closed(duration timeout = default_timeout);

  /// Throws if anything arrives within `quiet` (use sparingly: it costs `quiet` each time).
  /// Prefer proving silence with a request whose answer must come next.
  void expect_nothing(duration quiet);

  /// Closes the socket (an orderly FIN). Idempotent.
  void close();
  /// Closes the socket with a reset (SO_LINGER 0): an abrupt disconnect.
  void abort();

  bool is_open() const { return fd_ >= 0; }

  /// The client's own (ephemeral) port, as the server sees it.
  std::uint16_t local_port() const { return local_port_; }

  /// Every complete line received so far, in order (for diagnostics).
  const std::vector<std::string>& transcript() const { return transcript_; }

private:
  // Reads what is available (waiting until `deadline`); false on timeout. Sets peer_closed_.
  bool fill(std::chrono::steady_clock::time_point deadline);
  std::optional<std::string> take_line();
  [[noreturn]] void fail(const std::string& what) const;
  std::string received_so_far() const;

  int fd_ = -1;
  std::uint16_t port_;
  std::uint16_t local_port_ = 0;
  std::string label_;
  std::string buf_;      ///< bytes received but not yet returned as a line
  bool peer_closed_ = false;
  std::string close_reason_;
  std::vector<std::string> transcript_;
};

/// Escapes control characters and non-ASCII bytes for messages ("\r", "\x00").
std::string printable(std::string_view bytes);

} // namespace parley::test
