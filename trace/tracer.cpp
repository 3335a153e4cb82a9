// The trace recorder (see tracer.hpp).
#include "trace/tracer.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace parley::trace {

// --- the output file -------------------------------------------------------------------------

class tracer::output {
public:
  explicit output(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) // e.g. a FIFO or a device that is write-only
      fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw std::runtime_error("cannot write trace file " + path);
    struct stat st {};
    mapped_ = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) &&
              (::fcntl(fd_, F_GETFL) & O_ACCMODE) == O_RDWR;
    page_ = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  }

  ~output() {
    if (mapped_ && base_)
      stop_mapping(); // cuts the file to its exact length
    ::close(fd_);
  }

  output(const output&) = delete;
  output& operator=(const output&) = delete;

  /// Room for a line of at most `n` bytes (without its newline) at the end of the file.
  char* reserve(std::size_t n) {
    if (mapped_ && pos_ + n + 1 > win_ + cap_)
      remap(n + 1);
    if (mapped_)
      return base_ + (pos_ - win_);
    if (buf_.size() < n + 1)
      buf_.resize(n + 1);
    return buf_.data();
  }

  /// The line of `n` bytes written at reserve()'s pointer is complete: end it. The newline is
  /// stored last, so a line that has its newline in the file is whole even after a crash.
  void commit(char* p, std::size_t n) {
    std::atomic_signal_fence(std::memory_order_release); // the body's stores come first
    p[n] = '\n';
    if (mapped_) {
      pos_ += n + 1;
      return;
    }
    if (!failed_)
      write_all(p, n + 1);
  }

private:
  static constexpr std::size_t max_chunk = std::size_t{64} << 20;

  // Maps a new window that starts at the page holding pos_ and has room for `need` bytes,
  // reserving its blocks first: a store into a hole on a full disk would be a SIGBUS.
  void remap(std::size_t need) {
    if (base_)
      ::munmap(base_, cap_);
    base_ = nullptr;
    auto win = pos_ & ~static_cast<std::uint64_t>(page_ - 1);
    auto size = std::max(chunk_, (pos_ - win + need + page_ - 1) & ~(page_ - 1));
    chunk_ = std::min(chunk_ * 2, max_chunk);
    if (::fallocate(fd_, 0, static_cast<off_t>(win), static_cast<off_t>(size)) != 0) {
      stop_mapping();
      return;
    }
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(win));
    if (p == MAP_FAILED) {
      stop_mapping();
      return;
    }
    base_ = static_cast<char*>(p);
    win_ = win;
    cap_ = size;
  }

  // Back to a file of exactly the lines written; later lines (if any) go by write(2).
  void stop_mapping() {
    if (base_)
      ::munmap(base_, cap_);
    base_ = nullptr;
    cap_ = 0;
    mapped_ = false;
    if (::ftruncate(fd_, static_cast<off_t>(pos_)) != 0 ||
        ::lseek(fd_, static_cast<off_t>(pos_), SEEK_SET) < 0)
      failed_ = true;
  }

  void write_all(const char* p, std::size_t left) {
    while (left > 0) {
      auto n = ::write(fd_, p, left);
      if (n <= 0) {
        failed_ = true; // a full disk must not take the server down; the trace just ends
        return;
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }

  int fd_ = -1;
  bool mapped_ = false;
  bool failed_ = false;
  std::size_t page_ = 4096;
  char* base_ = nullptr;
  std::uint64_t win_ = 0; ///< file offset of base_
  std::size_t cap_ = 0;   ///< bytes mapped at base_
  std::uint64_t pos_ = 0; ///< length of the recording (complete lines)
  std::size_t chunk_ = std::size_t{1} << 20; ///< next window's size: doubles up to max_chunk
  std::string buf_;                         ///< a line, when not mapped
};

namespace {

// Formats a line into the space output::reserve() gave.
struct line_cursor {
  char* p;

  template <std::size_t N>
  void lit(const char (&s)[N]) {
    std::memcpy(p, s, N - 1);
    p += N - 1;
  }
  void str(std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  template <class Int>
  void num(Int v) {
    p = std::to_chars(p, p + 24, v).ptr;
  }
};

constexpr std::size_t number_room = 24; // the most any number takes

// The event whose handling this thread is inside (per tracer: one process may hold several).
struct current_event {
  const tracer* owner = nullptr;
  std::uint64_t seq = 0;
  std::uint64_t cause = 0;
};
thread_local current_event current;

// This thread's buffers for escaping a message's type and content outside the lock.
thread_local std::string type_buf, content_buf;

// "(post_line(\"a\", ...))" -> type "post_line", content "post_line(\"a\", ...)".
std::pair<std::string_view, std::string_view> split_rendering(std::string_view content) {
  if (content.size() >= 2 && content.front() == '(' && content.back() == ')')
    content = content.substr(1, content.size() - 2);
  auto type = content.substr(0, content.find('('));
  if (type.empty() || type.find(' ') != std::string_view::npos ||
      type.find(',') != std::string_view::npos)
    type = "message";
  return {type, content};
}

// Length of a valid UTF-8 sequence at s[i], or 0 (overlong forms and surrogates are invalid).
std::size_t utf8_length(std::string_view s, std::size_t i) {
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

// 1 for the bytes JSON needs escaped, 2 for the start of a non-ASCII sequence, 0 otherwise.
struct escape_table {
  unsigned char kind[256];
  constexpr escape_table() : kind{} {
    for (int c = 0; c < 0x20; ++c)
      kind[c] = 1;
    kind[static_cast<unsigned char>('"')] = 1;
    kind[static_cast<unsigned char>('\\')] = 1;
    for (int c = 0x80; c < 0x100; ++c)
      kind[c] = 2;
  }
};
constexpr escape_table escapes;

} // namespace

// Hand-written because it runs for every recorded message: escapes what JSON requires and
// replaces bytes that are not valid UTF-8 by U+FFFD. Plain runs are copied whole.
void append_json_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    auto start = i;
    while (i < s.size() && escapes.kind[static_cast<unsigned char>(s[i])] == 0)
      ++i;
    out.append(s.data() + start, i - start);
    if (i == s.size())
      break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      out.append(esc, 6);
    } else if (auto n = utf8_length(s, i); n > 0) {
      out.append(s.data() + i, n);
      i += n;
      continue;
    } else {
      out += "\\ufffd";
    }
    ++i;
  }
  out += '"';
}

std::string json_string(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  append_json_string(out, s);
  return out;
}

// --- links between a message's sending and its handling --------------------------------------

void tracer::pending_links::put(const void* element, link l) {
  std::lock_guard<spin_mutex> guard{mtx_};
  if (!ring_ || size_ == mask_ + 1) {
    auto cap = ring_ ? (mask_ + 1) * 2 : std::size_t{16};
    auto bigger = std::make_unique<entry[]>(cap);
    for (std::size_t i = 0; i < size_; ++i)
      bigger[i] = ring_[(head_ + i) & mask_];
    ring_ = std::move(bigger);
    mask_ = cap - 1;
    head_ = 0;
  }
  ring_[(head_ + size_) & mask_] = {element, l};
  ++size_;
}

tracer::link tracer::pending_links::take(const void* element) {
  std::lock_guard<spin_mutex> guard{mtx_};
  for (std::size_t i = 0; i < size_; ++i) {
    if (ring_[(head_ + i) & mask_].element != element)
      continue;
    auto found = ring_[(head_ + i) & mask_].origin;
    for (auto k = i; k > 0; --k) // close the gap: the ones before it move up by one
      ring_[(head_ + k) & mask_] = ring_[(head_ + k - 1) & mask_];
    head_ = (head_ + 1) & mask_;
    --size_;
    return found;
  }
  return {0, 0};
}

// --- the tracer ------------------------------------------------------------------------------

tracer::tracer(const std::string& path, clock_fn now, const std::string& meta_json)
  : out_(std::make_unique<output>(path)), now_(std::move(now)) {
  auto meta = nlohmann::json::parse(meta_json);
  nlohmann::json first{{"kind", "meta"}, {"format", "parley-trace"}, {"version", 1}};
  first.update(meta);
  auto line = first.dump();
  auto* p = out_->reserve(line.size());
  std::memcpy(p, line.data(), line.size());
  out_->commit(p, line.size());
}

tracer::~tracer() = default;

const std::string& tracer::name_of(std::uint64_t id) {
  auto i = names_.find(id);
  if (i == names_.end())
    i = names_.emplace(id, id == 0 ? json_string("-") : json_string("actor/" + std::to_string(id)))
          .first;
  return i->second;
}

std::uint64_t tracer::begin_event(link origin) {
  auto seq = ++seq_;
  current = {this, seq, origin.parent == 0 ? seq : origin.cause};
  return seq;
}

void tracer::actor_started(std::uint64_t id, const std::string& name) {
  auto quoted = json_string(name);
  std::lock_guard<spin_mutex> guard{mtx_};
  names_[id] = quoted;
  auto seq = ++seq_;
  auto* start = out_->reserve(64 + 2 * number_room + quoted.size());
  line_cursor c{start};
  c.lit("{\"seq\":");
  c.num(seq);
  c.lit(",\"t\":");
  c.num(now_());
  c.lit(",\"kind\":\"actor\",\"action\":\"start\",\"name\":");
  c.str(quoted);
  c.lit("}");
  out_->commit(start, static_cast<std::size_t>(c.p - start));
}

void tracer::actor_stopped(std::uint64_t id, const std::string& reason) {
  auto quoted_reason = reason.empty() ? std::string{} : json_string(reason);
  std::lock_guard<spin_mutex> guard{mtx_};
  auto seq = ++seq_;
  const auto& name = name_of(id);
  auto* start = out_->reserve(96 + 2 * number_room + name.size() + quoted_reason.size());
  line_cursor c{start};
  c.lit("{\"seq\":");
  c.num(seq);
  c.lit(",\"t\":");
  c.num(now_());
  if (reason.empty())
    c.lit(",\"kind\":\"actor\",\"action\":\"stop\",\"name\":");
  else
    c.lit(",\"kind\":\"actor\",\"action\":\"crash\",\"name\":");
  c.str(name);
  if (!reason.empty()) {
    c.lit(",\"reason\":");
    c.str(quoted_reason);
  }
  c.lit("}");
  out_->commit(start, static_cast<std::size_t>(c.p - start));
}

tracer::link tracer::origin() const {
  if (current.owner == this)
    return {current.seq, current.cause};
  return {0, 0};
}

void tracer::message_handling(link origin, std::uint64_t from, std::uint64_t to,
                              std::string_view rendering, bool response) {
  auto [type, content] = split_rendering(rendering);
  type_buf.clear();
  append_json_string(type_buf, type);
  content_buf.clear();
  append_json_string(content_buf, content);
  std::lock_guard<spin_mutex> guard{mtx_};
  auto seq = begin_event(origin);
  const auto& from_name = name_of(from);
  const auto& to_name = name_of(to);
  auto* start = out_->reserve(128 + 4 * number_room + from_name.size() + to_name.size() +
                              type_buf.size() + content_buf.size());
  line_cursor c{start};
  c.lit("{\"seq\":");
  c.num(seq);
  c.lit(",\"t\":");
  c.num(now_());
  c.lit(",\"kind\":\"message\",\"from\":");
  c.str(from_name);
  c.lit(",\"to\":");
  c.str(to_name);
  c.lit(",\"type\":");
  c.str(type_buf);
  c.lit(",\"content\":");
  c.str(content_buf);
  c.lit(",\"parent\":");
  c.num(origin.parent);
  c.lit(",\"cause\":");
  c.num(current.cause);
  if (response)
    c.lit(",\"response\":true");
  c.lit("}");
  out_->commit(start, static_cast<std::size_t>(c.p - start));
}

void tracer::handling_done() {
  if (current.owner == this)
    current = {};
}

const std::string& conns_json_cache::get(const std::vector<std::uint64_t>& ids,
                                         std::uint64_t except) {
  std::uint64_t h = 1469598103934665603ull; // FNV-1a over the ids, as given (unsorted)
  for (auto id : ids)
    h = (h ^ id) * 1099511628211ull;
  h = (h ^ except) * 1099511628211ull;
  auto i = by_hash_.find(h);
  if (i != by_hash_.end() && i->second.except == except && i->second.ids == ids)
    return i->second.json;
  if (by_hash_.size() >= 64)
    by_hash_.clear(); // membership changed a lot: start again
  auto& e = by_hash_[h];
  e.ids = ids;
  e.except = except;
  e.json = conns_json(ids, except);
  return e.json;
}

std::string conns_json(const std::vector<std::uint64_t>& ids, std::uint64_t except) {
  // Sorted, with runs of consecutive ids as [first,last]: a room's members mostly connected one
  // after another, so a fan-out to 100 of them takes a few bytes, not 500.
  std::vector<std::uint64_t> sorted;
  sorted.reserve(ids.size());
  for (auto id : ids)
    if (id != except) // (connection ids start at 1: 0 leaves none out)
      sorted.push_back(id);
  std::sort(sorted.begin(), sorted.end());
  std::string out = "\"conns\":[";
  char digits[24];
  auto num = [&](std::uint64_t n) {
    auto r = std::to_chars(digits, digits + sizeof digits, n);
    out.append(digits, r.ptr);
  };
  for (std::size_t i = 0; i < sorted.size();) {
    auto j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1)
      ++j;
    if (i != 0)
      out += ',';
    if (j == i) {
      num(sorted[i]);
    } else {
      out += '[';
      num(sorted[i]);
      out += ',';
      num(sorted[j]);
      out += ']';
    }
    i = j + 1;
  }
  out += ']';
  return out;
}

void tracer::network(const char* action, std::uint64_t conn, const std::string& extra_json) {
  link origin{0, 0};
  if (current.owner == this)
    origin = {current.seq, current.cause};
  std::string_view act{action};
  std::lock_guard<spin_mutex> guard{mtx_};
  auto seq = begin_event(origin);
  auto* start = out_->reserve(96 + 5 * number_room + act.size() + extra_json.size());
  line_cursor c{start};
  c.lit("{\"seq\":");
  c.num(seq);
  c.lit(",\"t\":");
  c.num(now_());
  c.lit(",\"kind\":\"net\",\"action\":\"");
  c.str(act);
  c.lit("\",\"conn\":");
  c.num(conn);
  c.lit(",\"parent\":");
  c.num(origin.parent);
  c.lit(",\"cause\":");
  c.num(current.cause);
  if (!extra_json.empty()) {
    c.lit(",");
    c.str(extra_json);
  }
  c.lit("}");
  out_->commit(start, static_cast<std::size_t>(c.p - start));
}

void tracer::fault(const std::string& kind, const std::string& target) {
  auto quoted_kind = json_string(kind), quoted_target = json_string(target);
  std::lock_guard<spin_mutex> guard{mtx_};
  auto seq = ++seq_;
  auto* start = out_->reserve(64 + 2 * number_room + quoted_kind.size() + quoted_target.size());
  line_cursor c{start};
  c.lit("{\"seq\":");
  c.num(seq);
  c.lit(",\"t\":");
  c.num(now_());
  c.lit(",\"kind\":\"fault\",\"fault\":");
  c.str(quoted_kind);
  c.lit(",\"target\":");
  c.str(quoted_target);
  c.lit("}");
  out_->commit(start, static_cast<std::size_t>(c.p - start));
}

} // namespace parley::trace
