// The trace recorder (see tracer.hpp).
#include "trace/tracer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace parley::trace {

namespace {

// The event whose handling this thread is inside (per tracer: one process may hold several).
struct current_event {
  const tracer* owner = nullptr;
  std::uint64_t seq = 0;
  std::uint64_t cause = 0;
};
thread_local current_event current;

// "(post_line(\"a\", ...))" -> type "post_line", content "post_line(\"a\", ...)".
std::pair<std::string, std::string> split_rendering(const std::string& r) {
  std::string content = r;
  if (content.size() >= 2 && content.front() == '(' && content.back() == ')')
    content = content.substr(1, content.size() - 2);
  auto paren = content.find('(');
  auto type = content.substr(0, paren);
  if (type.empty() || type.find(' ') != std::string::npos || type.find(',') != std::string::npos)
    type = "message";
  return {type, content};
}

} // namespace

namespace {

// Length of a valid UTF-8 sequence at s[i], or 0 (overlong forms and surrogates are invalid).
std::size_t utf8_length(const std::string& s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size())
    return 0;
  auto c1 = static_cast<unsigned char>(s[i + 1]);
  if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
      (c == 0xF4 && c1 > 0x8F))
    return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
      return 0;
  return n;
}

} // namespace

// Hand-written because it runs for every recorded message: escapes what JSON requires and
// replaces bytes that are not valid UTF-8 by U+FFFD.
std::string json_string(const std::string& s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (auto n = utf8_length(s, i); n > 0) {
      out.append(s, i, n);
      i += n;
      continue;
    } else {
      out += "\\ufffd";
    }
    ++i;
  }
  out += '"';
  return out;
}

tracer::tracer(const std::string& path, clock_fn now, const std::string& meta_json)
  : now_(std::move(now)) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error("cannot write trace file " + path);
  auto meta = nlohmann::json::parse(meta_json);
  nlohmann::json first{{"kind", "meta"}, {"format", "parley-trace"}, {"version", 1}};
  first.update(meta);
  write(first.dump());
}

tracer::~tracer() {
  if (fd_ >= 0)
    ::close(fd_);
}

void tracer::write(std::string line) {
  // One write(2) per line, unbuffered in the process: a crash loses at most the line being
  // written. (Callers hold mtx_, so lines never interleave.)
  line += '\n';
  const char* p = line.data();
  auto left = line.size();
  while (left > 0) {
    auto n = ::write(fd_, p, left);
    if (n <= 0)
      return; // a full disk must not take the server down; the trace just ends
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

const std::string& tracer::name_of(std::uint64_t id) {
  auto i = names_.find(id);
  if (i == names_.end())
    i = names_.emplace(id, id == 0 ? std::string{"-"} : "actor/" + std::to_string(id)).first;
  return i->second;
}

std::uint64_t tracer::begin_event(link origin) {
  auto seq = ++seq_;
  current = {this, seq, origin.parent == 0 ? seq : origin.cause};
  return seq;
}

void tracer::actor_started(std::uint64_t id, const std::string& name) {
  std::lock_guard<std::mutex> guard{mtx_};
  names_[id] = name;
  auto seq = ++seq_;
  write("{\"seq\":" + std::to_string(seq) + ",\"t\":" + std::to_string(now_()) +
        ",\"kind\":\"actor\",\"action\":\"start\",\"name\":" + json_string(name) + "}");
}

void tracer::actor_stopped(std::uint64_t id, const std::string& reason) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto seq = ++seq_;
  std::string line = "{\"seq\":" + std::to_string(seq) + ",\"t\":" + std::to_string(now_()) +
                     ",\"kind\":\"actor\",\"action\":\"" + (reason.empty() ? "stop" : "crash") +
                     "\",\"name\":" + json_string(name_of(id));
  if (!reason.empty())
    line += ",\"reason\":" + json_string(reason);
  write(line + "}");
}

void tracer::message_sent(const void* element) {
  link origin{0, 0};
  if (current.owner == this)
    origin = {current.seq, current.cause};
  std::lock_guard<std::mutex> guard{mtx_};
  in_flight_[element] = origin;
}

void tracer::message_handling(const void* element, std::uint64_t from, std::uint64_t to,
                              const std::string& rendering, bool response) {
  auto [type, content] = split_rendering(rendering);
  std::lock_guard<std::mutex> guard{mtx_};
  link origin{0, 0};
  if (auto i = in_flight_.find(element); i != in_flight_.end()) {
    origin = i->second;
    in_flight_.erase(i);
  }
  auto seq = begin_event(origin);
  std::string line = "{\"seq\":" + std::to_string(seq) + ",\"t\":" + std::to_string(now_()) +
                     ",\"kind\":\"message\",\"from\":" + json_string(name_of(from)) +
                     ",\"to\":" + json_string(name_of(to)) + ",\"type\":" + json_string(type) +
                     ",\"content\":" + json_string(content) +
                     ",\"parent\":" + std::to_string(origin.parent) +
                     ",\"cause\":" + std::to_string(current.cause);
  if (response)
    line += ",\"response\":true";
  write(line + "}");
}

void tracer::handling_done() {
  if (current.owner == this)
    current = {};
}

void tracer::network(const char* action, std::uint64_t conn, const std::string& extra_json) {
  link origin{0, 0};
  if (current.owner == this)
    origin = {current.seq, current.cause};
  std::lock_guard<std::mutex> guard{mtx_};
  auto seq = begin_event(origin);
  std::string line = "{\"seq\":" + std::to_string(seq) + ",\"t\":" + std::to_string(now_()) +
                     ",\"kind\":\"net\",\"action\":\"" + action +
                     "\",\"conn\":" + std::to_string(conn) +
                     ",\"parent\":" + std::to_string(origin.parent) +
                     ",\"cause\":" + std::to_string(current.cause);
  if (!extra_json.empty())
    line += "," + extra_json;
  write(line + "}");
}

void tracer::fault(const std::string& kind, const std::string& target) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto seq = ++seq_;
  write("{\"seq\":" + std::to_string(seq) + ",\"t\":" + std::to_string(now_()) +
        ",\"kind\":\"fault\",\"fault\":" + json_string(kind) + ",\"target\":" + json_string(target) +
        "}");
}

} // namespace parley::trace
