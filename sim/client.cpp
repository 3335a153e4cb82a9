// Simulated client endpoints (see client.hpp).
#include "sim/client.hpp"

#include <algorithm>

namespace parley::sim {

void client::parse() {
  if (id_ == 0)
    return;
  const auto& view = w_.net().view(id_);
  const auto& inbox = view.inbox;
  for (;;) {
    auto end = inbox.find("\r\n", parsed_);
    if (end == std::string::npos)
      return;
    // The line arrived with the first read that reached its terminator.
    auto at = std::lower_bound(view.arrivals.begin(), view.arrivals.end(), end + 2,
                               [](const auto& a, std::size_t off) { return a.first < off; });
    auto t = at == view.arrivals.end() ? w_.now() : at->second;
    lines_.push_back(inbox.substr(parsed_, end - parsed_));
    received_.push_back({t, lines_.back()});
    parsed_ = end + 2;
  }
}

const std::vector<timed_line>& client::received() {
  parse();
  return received_;
}

const std::vector<std::string>& client::lines() {
  parse();
  return lines_;
}

std::vector<std::string> client::take_new_lines() {
  parse();
  std::vector<std::string> out(lines_.begin() + static_cast<std::ptrdiff_t>(taken_), lines_.end());
  taken_ = lines_.size();
  return out;
}

bool client::connected() const {
  if (scripted_)
    return !scripted_closed_at_;
  if (id_ == 0)
    return false;
  const auto& v = w_.net().view(id_);
  return v.accepted && !v.closed_by_server && !v.closed_by_client;
}

bool client::has_line(const std::string& line) {
  for (const auto& l : lines())
    if (l == line)
      return true;
  return false;
}

bool client::has_line_starting(const std::string& prefix) {
  for (const auto& l : lines())
    if (l.compare(0, prefix.size(), prefix) == 0)
      return true;
  return false;
}

bool client::await_line(const std::string& line, vtime limit) {
  return w_.run_until([&] { return has_line(line); }, w_.now() + limit);
}

bool client::await_line_starting(const std::string& prefix, vtime limit) {
  return w_.run_until([&] { return has_line_starting(prefix); }, w_.now() + limit);
}

bool client::login(const std::string& name, const std::string& password) {
  if (id_ == 0)
    connect();
  if (!await_line("*** Name?"))
    return false;
  send_line(name);
  if (!w_.run_until([&] { return has_line_starting("*** Password for") ||
                                 has_line_starting("*** New account"); },
                    w_.now() + std::chrono::seconds{30}))
    return false;
  send_line(password);
  return await_line_starting("*** You are in ");
}

} // namespace parley::sim
