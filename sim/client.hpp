// A simulated client endpoint: connects through the simulated network, sends bytes or lines,
// and collects the lines the server sends it. Scripted tests and scenario files drive it
// directly; the random clients of a swarm run drive it from the seed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/world.hpp"

namespace parley::sim {

/// A line a client sent or received, and when (virtual time).
struct timed_line {
  vtime t;
  std::string text;
};

class client {
public:
  client(world& w, std::string label) : w_(w), label_(std::move(label)) {}

  const std::string& label() const { return label_; }

  /// Connects to the line protocol's listener, or to `endpoint` (e.g. irc_endpoint).
  void connect(const std::string& endpoint = {}) { id_ = w_.net().connect(endpoint); }
  void send_raw(std::string bytes) { w_.net().client_send(id_, std::move(bytes)); }
  void send_line(const std::string& line) {
    sent_.push_back({w_.now(), line});
    send_raw(line + "\r\n");
  }
  void disconnect() { w_.net().client_close(id_); }
  void reset() { w_.net().client_reset(id_); }
  void set_reading(bool on) { w_.net().client_set_reading(id_, on); }

  /// Every complete line received so far (CRLF removed).
  const std::vector<std::string>& lines();

  /// Received lines with their arrival times, and the lines sent with send_line.
  const std::vector<timed_line>& received();
  const std::vector<timed_line>& sent() const { return sent_; }

  /// Lines received since the last call of take_new_lines().
  std::vector<std::string> take_new_lines();

  bool connected() const;
  bool closed_by_server() const { return id_ != 0 && w_.net().view(id_).closed_by_server; }
  bool refused() const { return id_ != 0 && w_.net().view(id_).refused; }
  /// The peer text the server was given at the accept ("sim:ID", or an address and port with
  /// network_options::client_addresses); empty before it.
  std::string peer() const { return id_ != 0 ? w_.net().view(id_).peer : std::string{}; }
  /// When the session ended as this client saw it (network client_view::closed_at); empty
  /// while it lasts. A scripted transcript's own end (set_transcript).
  std::optional<vtime> closed_at() const {
    if (scripted_)
      return scripted_closed_at_;
    return id_ != 0 ? w_.net().view(id_).closed_at : std::nullopt;
  }

  /// For oracle tests: a transcript made by hand, with no network behind it (the client never
  /// connects). It counts as connected until `closed_at`, if that is set.
  void set_transcript(std::vector<timed_line> received, std::vector<timed_line> sent,
                      std::optional<vtime> closed_at = std::nullopt) {
    scripted_ = true;
    received_ = std::move(received);
    sent_ = std::move(sent);
    scripted_closed_at_ = closed_at;
  }
  net::connection_id id() const { return id_; }

  /// Whether some received line equals `line` / starts with `prefix`.
  bool has_line(const std::string& line);
  bool has_line_starting(const std::string& prefix);

  /// Runs the world until this client has received `line` (true) or `limit` passes.
  bool await_line(const std::string& line, vtime limit = std::chrono::seconds{30});
  bool await_line_starting(const std::string& prefix, vtime limit = std::chrono::seconds{30});

  /// Registers (or logs in) and waits for the room line; false if that did not happen.
  bool login(const std::string& name, const std::string& password);

private:
  void parse();

  world& w_;
  std::string label_;
  net::connection_id id_ = 0;
  std::size_t parsed_ = 0;
  std::size_t taken_ = 0;
  std::vector<std::string> lines_;
  std::vector<timed_line> received_;
  std::vector<timed_line> sent_;
  bool scripted_ = false;
  std::optional<vtime> scripted_closed_at_;
};

} // namespace parley::sim
